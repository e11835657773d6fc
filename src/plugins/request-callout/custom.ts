/**
 * request-callout's `custom` maps (headers, query, body of a callout or of the
 * upstream request): compiled once into templates, applied per request.
 */
import { lua } from '../../lua/engine.js'
import { fromLua } from '../../lua/pdk/convert.js'
import { templateEnv, within } from '../shared/lua-template.js'
import type { Kit } from '../types.js'
import { compileCalloutTemplate, type CalloutTemplate } from './template.js'

/** A `custom` map compiled: undefined removes the field. */
export type Custom = [name: string, value: ((kit: Kit) => Promise<unknown>) | undefined][]

export function compileCustom(m: Record<string, unknown> | undefined, reads?: Set<string>): Custom {
  return Object.entries(m ?? {}).map(([k, v]) => {
    if (v === null) return [k, undefined]
    if (typeof v !== 'string') return [k, async () => v]
    const t = template(v, reads)
    return [k, t.dynamic ? (kit) => t.render(kit) : async () => v]
  })
}

/** A `$(...)` template; the callouts it reads are added to `reads`. */
export function template(source: string, reads?: Set<string>): CalloutTemplate {
  const t = compileCalloutTemplate(source, (expr) => {
    const e = lua.compileExpression(expr, templateEnv(true))
    return (kit, token) => within(token, kit, undefined, (budget) => fromLua(e.evaluateLua(kit, undefined, budget)))
  })
  // The schema already refused these; this guards configs built without it.
  if ('error' in t) throw new TypeError(`request-callout: ${t.error}`)
  for (const n of t.callouts) reads?.add(n)
  return t
}

/** Renders every value first (concurrently), then sets or removes each field in map order. */
export async function applyCustom(kit: Kit, custom: Custom, set: (name: string, value: unknown) => void, remove: (name: string) => void): Promise<void> {
  const values = await Promise.all(custom.map(([, v]) => v?.(kit)))
  custom.forEach(([name, v], i) => (v === undefined ? remove(name) : set(name, values[i])))
}
