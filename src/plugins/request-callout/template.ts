/**
 * request-callout's `$(...)` templates: request-transformer's compiler and
 * built-in lookups, plus `callouts.<name>...` (kong.ctx.shared.callouts) paths.
 * Any other expression goes to the Lua engine (evaluated before rendering,
 * since Lua runs asynchronously).
 */
import type { Kit } from '../types.js'
import { compileTemplate, SIMPLE_ENGINE, type ExpressionEngine, type TemplateScope } from '../shared/template.js'
import { luaEngine, unavailableIn } from './lua.js'

/** A compiled Lua expression: its value for a request, in one rendering (`token`) of a template. */
export type LuaEvaluate = (kit: Kit, token: object) => unknown

/** The per-request scope: request-transformer's lookups, the callouts table and the values of Lua expressions. */
interface CalloutScope extends TemplateScope {
  callouts(): Record<string, unknown>
  lua: unknown[]
}

export interface CalloutTemplate {
  readonly dynamic: boolean
  /** Names of callouts the template reads (`callouts.<name>`). */
  readonly callouts: readonly string[]
  render(kit: Kit): Promise<string>
}

const SEGMENT = String.raw`(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\s*(?:'[^']*'|"[^"]*"|\d+)\s*\])`
const CALLOUT_PATH_RE = new RegExp(String.raw`^\s*(?:kong\.ctx\.shared\.)?callouts((?:${SEGMENT})+)\s*$`)
const SEGMENT_RE = new RegExp(SEGMENT, 'g')
// Callout names an arbitrary Lua expression mentions (for validation only).
const LUA_CALLOUT_RE = /\bcallouts\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*(?:'([^']*)'|"([^"]*)")\s*\])/g

function pathOf(segments: string): (string | number)[] {
  return [...segments.matchAll(SEGMENT_RE)].map(([s]) => {
    if (s.startsWith('.')) return s.slice(1)
    const inner = s.slice(1, -1).trim()
    return /^\d+$/.test(inner) ? Number(inner) : inner.slice(1, -1)
  })
}

/** Lua indexing of JSON-shaped values: arrays are 1-based. */
function walk(root: unknown, path: readonly (string | number)[]): unknown {
  let v = root
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined
    if (Array.isArray(v)) v = typeof k === 'number' ? v[k - 1] : undefined
    else v = Object.hasOwn(v, String(k)) ? (v as Record<string, unknown>)[String(k)] : undefined
  }
  return v
}

/**
 * Compiles a template; an error names what cannot be handled (and where in a
 * Lua expression). Validation passes no `compileLua`: expressions are only
 * checked; the handler passes the engine's compiler.
 */
export function compileCalloutTemplate(source: string, compileLua?: (expr: string) => LuaEvaluate): CalloutTemplate | { error: string } {
  const names = new Set<string>()
  const lua: LuaEvaluate[] = []
  const engine: ExpressionEngine = {
    compile(expr) {
      const m = CALLOUT_PATH_RE.exec(expr)
      if (m) {
        const path = pathOf(m[1]!)
        if (typeof path[0] === 'string') names.add(path[0])
        return { evaluate: (s) => walk((s as CalloutScope).callouts(), path) }
      }
      const simple = SIMPLE_ENGINE.compile(expr)
      if (!('error' in simple)) return simple
      const le = luaEngine()
      if (!le) return { error: `the Lua engine is required for expression '${expr}'` }
      const syntax = le.checkExpression(expr)
      if (syntax) return { error: `error in expression '${expr}' (line ${syntax.line}): ${syntax.message}` }
      const refused = unavailableIn(expr, true)
      if (refused) return { error: `${refused} (in '${expr}')` }
      for (const n of expr.matchAll(LUA_CALLOUT_RE)) names.add(n[1] ?? n[2] ?? n[3]!)
      const index = lua.length
      if (compileLua) lua.push(compileLua(expr))
      return { evaluate: (s) => (s as CalloutScope).lua[index] }
    },
  }
  const t = compileTemplate(source, engine)
  if ('error' in t) return t
  const callouts = [...names]
  return {
    dynamic: t.dynamic,
    callouts,
    async render(kit) {
      if (!t.dynamic) return source
      const scope = scopeFor(kit)
      if (lua.length > 0) scope.lua = lua.map((e) => e(kit, scope))
      return t.render(scope)
    },
  }
}

function calloutsOf(kit: Kit): Record<string, unknown> {
  return ((kit.shared.callouts as Record<string, unknown> | undefined) ??= {})
}

function scopeFor(kit: Kit): CalloutScope {
  return {
    header: (name) => kit.request.headers[name],
    query: (name) => {
      const all = kit.request.query.getAll(name)
      return all.length === 0 ? undefined : all.length === 1 ? all[0] : all
    },
    capture: (key) => {
      const c = kit.request.uriCaptures
      if (!c) return undefined
      return typeof key === 'number' ? c.unnamed[key] : Object.hasOwn(c.named, key) ? c.named[key] : undefined
    },
    shared: (name) => (Object.hasOwn(kit.shared, name) ? kit.shared[name] : undefined),
    callouts: () => calloutsOf(kit),
    lua: [],
  }
}
