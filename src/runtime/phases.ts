/**
 * Runs the plugin phases of one request. Access handlers may return a promise
 * (reading the body, verifying a signature); the loop stays synchronous until
 * one does. A handler that throws is a bug in that plugin: it is logged with the
 * plugin's name and the request gets Kong's 500; the process carries on.
 */
import type { Exit, PhaseResult } from '../plugins/types.js'
import { phaseLists, type Chain, type PhaseLists, type PluginInstance } from '../compile/chains.js'
import { BodyTooLarge, type RequestKit } from './kit.js'

type Outcome = Exit | undefined
const isPromise = (v: PhaseResult): v is Promise<Exit | undefined | void> => typeof (v as Promise<unknown> | undefined)?.then === 'function'

export const UNEXPECTED: Exit = Object.freeze({ status: 500, error: 'An unexpected error occurred' })

function crashed(inst: PluginInstance, phase: string, err: unknown): Exit {
  if (err instanceof BodyTooLarge) return { status: 413, error: 'Request body too large' }
  inst.log.error('plugin failed', { phase, err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err) })
  return UNEXPECTED
}

/** The rewrite phase: global instances only; an Exit skips routing. */
export function runRewrite(list: readonly PluginInstance[], kit: RequestKit): Outcome | Promise<Outcome> {
  return loop(list, 0, kit, 'rewrite')
}

function loop(list: readonly PluginInstance[], from: number, kit: RequestKit, phase: 'rewrite' | 'access'): Outcome | Promise<Outcome> {
  for (let i = from; i < list.length; i++) {
    const inst = list[i]!
    let out
    try {
      out = inst.phases[phase]!(kit)
    } catch (err) {
      return crashed(inst, phase, err)
    }
    if (!out) continue
    if (isPromise(out)) {
      return out.then(
        (e): Outcome | Promise<Outcome> => e || loop(list, i + 1, kit, phase),
        (err: unknown) => crashed(inst, phase, err),
      )
    }
    return out
  }
  return undefined
}

/**
 * The access phase of a matched route. Sets `kit.lists` to the instances the
 * response phases will run (after an Exit, the remaining plugins are still
 * collected, as in Kong).
 */
export function runAccess(chain: Chain, kit: RequestKit): Outcome | Promise<Outcome> {
  if (!chain.consumerScoped) {
    kit.lists = chain.lists
    return loop(chain.lists.access, 0, kit, 'access')
  }
  const chosen: (PluginInstance | undefined)[] = new Array<PluginInstance | undefined>(chain.slots.length)
  return resolving(chain, chosen, 0, kit, undefined)
}

function resolving(chain: Chain, chosen: (PluginInstance | undefined)[], from: number, kit: RequestKit, exited: Outcome): Outcome | Promise<Outcome> {
  const order = chain.accessOrder
  for (let k = from; k < order.length; k++) {
    const idx = order[k]!
    const slot = chain.slots[idx]!
    let inst = slot.base
    const consumerId = kit.consumer?.id
    if (consumerId !== undefined && slot.forConsumer) {
      const c = slot.forConsumer(consumerId)
      if (c && (!inst || c.level < inst.level)) inst = c
    }
    chosen[idx] = inst
    if (exited || !inst?.phases.access) continue
    let out
    try {
      out = inst.phases.access(kit)
    } catch (err) {
      exited = crashed(inst, 'access', err)
      continue
    }
    if (!out) continue
    if (isPromise(out)) {
      const at = inst
      return out.then(
        (e): Outcome | Promise<Outcome> => resolving(chain, chosen, k + 1, kit, e || undefined),
        (err: unknown) => resolving(chain, chosen, k + 1, kit, crashed(at, 'access', err)),
      )
    }
    exited = out
  }
  kit.lists = phaseLists(chosen, chain.accessOrder)
  return exited
}

/** header_filter: errors are logged; the response goes on. */
export function runHeaderFilter(lists: PhaseLists, kit: RequestKit): void {
  for (const inst of lists.headerFilter) {
    kit.current = inst
    try {
      inst.phases.headerFilter!(kit)
    } catch (err) {
      crashed(inst, 'header_filter', err)
    }
  }
  kit.current = undefined
}

/** body_filter over the whole (buffered) body. */
export function runBodyFilter(lists: PhaseLists, kit: RequestKit, body: Buffer): Buffer {
  let out = body
  for (const inst of lists.bodyFilter) {
    if (!kit.bodyFilterFor(inst)) continue
    try {
      const next = inst.phases.bodyFilter!(kit, out)
      out = typeof next === 'string' ? Buffer.from(next) : next
    } catch (err) {
      crashed(inst, 'body_filter', err)
    }
  }
  return out
}

export function runLog(lists: PhaseLists, kit: RequestKit): void {
  for (const inst of lists.log) {
    try {
      inst.phases.log!(kit)
    } catch (err) {
      crashed(inst, 'log', err)
    }
  }
}
