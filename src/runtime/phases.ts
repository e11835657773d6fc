/**
 * The plugin phases of one request, in Kong's order. Access handlers may return
 * a promise (reading the body, verifying a signature); the loop stays
 * synchronous until one does. A handler that throws (or rejects, or returns
 * an exit that cannot be sent: header-checks.ts) is a bug in that plugin: it
 * is logged with the plugin's name and the request id, and the request gets
 * Kong's 500; the process carries on.
 */
import { chooseInstance, phaseLists, type Chain, type PhaseLists, type PluginInstance } from '../compile/chains.js'
import { PAYLOAD_TOO_LARGE, UNEXPECTED } from '../errors.js'
import type { Exit, PhaseResult } from '../plugins/types.js'
import { checkExit } from './header-checks.js'
import { BodyTooLarge, kitOf, type RequestKit } from './kit.js'
import { inRequest } from './request-scope.js'
import type { RequestState } from './state.js'
import type { TracedPhase } from './tracing/trace.js'

export type Outcome = Exit | undefined
const isPromise = (v: PhaseResult): v is Promise<Exit | undefined | void> => typeof (v as Promise<unknown> | undefined)?.then === 'function'

function crashed(s: RequestState, inst: PluginInstance, phase: string, err: unknown): Exit {
  if (err instanceof BodyTooLarge) return PAYLOAD_TOO_LARGE
  try {
    inst.log.error('plugin failed', { phase, request_id: s.requestId, err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err) })
  } catch {
    // A logger that fails must not turn a plugin's error into the gateway's.
  }
  return UNEXPECTED
}

/** The plugin's exit, checked (header-checks.ts): one that cannot be sent is that plugin's error. */
function exited(s: RequestState, inst: PluginInstance, phase: string, e: Exit): Exit {
  try {
    return checkExit(e, () => inst.log.warn('manually setting Transfer-Encoding. Ignored.', { phase, request_id: s.requestId }))
  } catch (err) {
    return crashed(s, inst, phase, err)
  }
}

const PHASE_METHOD = { rewrite: 'rewrite', access: 'access', header_filter: 'headerFilter' } as const

/**
 * A plugin phase inside its `kong.<phase>.plugin.<name>` span, when that
 * instrumentation is on (a phase that returns a promise ends its span when the
 * promise settles).
 */
function traced(s: RequestState, inst: PluginInstance, phase: TracedPhase, kit: RequestKit): PhaseResult {
  const trace = s.trace!
  const span = trace.enterPlugin(phase, inst.name)
  const run = inst.phases[PHASE_METHOD[phase]]!
  if (!span) return inRequest(s.requestId, () => run(kit))
  let out: PhaseResult
  try {
    out = inRequest(s.requestId, () => run(kit))
  } catch (err) {
    trace.leave(span)
    throw err
  }
  if (isPromise(out)) {
    return out.then(
      (e) => {
        trace.leave(span)
        return e
      },
      (err: unknown) => {
        trace.leave(span)
        throw err
      },
    )
  }
  trace.leave(span)
  return out
}

/** The rewrite phase: global instances only; an Exit skips routing. */
export function runRewrite(s: RequestState, list: readonly PluginInstance[]): Outcome | Promise<Outcome> {
  return loop(s, list, 0, kitOf(s), 'rewrite')
}

function loop(s: RequestState, list: readonly PluginInstance[], from: number, kit: RequestKit, phase: 'rewrite' | 'access'): Outcome | Promise<Outcome> {
  for (let i = from; i < list.length; i++) {
    const inst = list[i]!
    let out
    try {
      out = s.trace ? traced(s, inst, phase, kit) : inRequest(s.requestId, () => inst.phases[phase]!(kit))
    } catch (err) {
      return crashed(s, inst, phase, err)
    }
    if (!out) continue
    if (isPromise(out)) {
      return out.then(
        (e): Outcome | Promise<Outcome> => (e ? exited(s, inst, phase, e) : loop(s, list, i + 1, kit, phase)),
        (err: unknown) => crashed(s, inst, phase, err),
      )
    }
    return exited(s, inst, phase, out)
  }
  return undefined
}

/**
 * The access phase of a matched route. Sets `s.lists` to the instances the
 * response phases will run (after an Exit, the remaining plugins are still
 * collected, as in Kong).
 */
export function runAccess(s: RequestState, chain: Chain): Outcome | Promise<Outcome> {
  const kit = kitOf(s)
  if (!chain.consumerScoped) {
    s.lists = chain.lists
    return loop(s, chain.lists.access, 0, kit, 'access')
  }
  const chosen: (PluginInstance | undefined)[] = new Array<PluginInstance | undefined>(chain.slots.length)
  return resolving(s, kit, chain, chosen, 0, undefined)
}

function resolving(
  s: RequestState,
  kit: RequestKit,
  chain: Chain,
  chosen: (PluginInstance | undefined)[],
  from: number,
  exit: Outcome,
): Outcome | Promise<Outcome> {
  const order = chain.accessOrder
  for (let k = from; k < order.length; k++) {
    const idx = order[k]!
    const slot = chain.slots[idx]!
    const inst = chooseInstance(slot, s.consumer?.id)
    chosen[idx] = inst
    if (exit || !inst?.phases.access) continue
    let out
    try {
      out = s.trace ? traced(s, inst, 'access', kit) : inRequest(s.requestId, () => inst.phases.access!(kit))
    } catch (err) {
      exit = crashed(s, inst, 'access', err)
      continue
    }
    if (!out) continue
    if (isPromise(out)) {
      const at = inst
      return out.then(
        (e): Outcome | Promise<Outcome> => resolving(s, kit, chain, chosen, k + 1, e ? exited(s, at, 'access', e) : undefined),
        (err: unknown) => resolving(s, kit, chain, chosen, k + 1, crashed(s, at, 'access', err)),
      )
    }
    exit = exited(s, inst, 'access', out)
  }
  s.lists = phaseLists(chosen, chain.accessOrder)
  return exit
}

/** header_filter: errors are logged; the response goes on. */
export function runHeaderFilter(s: RequestState, lists: PhaseLists): void {
  const kit = kitOf(s)
  for (const inst of lists.headerFilter) {
    s.current = inst
    try {
      if (s.trace) void traced(s, inst, 'header_filter', kit)
      else inRequest(s.requestId, () => inst.phases.headerFilter!(kit))
    } catch (err) {
      crashed(s, inst, 'header_filter', err)
    }
  }
  s.current = undefined
}

/** Whether some body_filter instance still wants this response's body. */
export function wantsBody(s: RequestState, lists: PhaseLists): boolean {
  const skipped = s.bodySkipped
  return lists.bodyFilter.some((i) => !skipped?.has(i))
}

/** body_filter over the whole (buffered) body. */
export function runBodyFilter(s: RequestState, lists: PhaseLists, body: Buffer): Buffer {
  const kit = kitOf(s)
  let out = body
  for (const inst of lists.bodyFilter) {
    if (s.bodySkipped?.has(inst)) continue
    try {
      const next = inRequest(s.requestId, () => inst.phases.bodyFilter!(kit, out))
      out = typeof next === 'string' ? Buffer.from(next) : next
    } catch (err) {
      crashed(s, inst, 'body_filter', err)
    }
  }
  return out
}

/** A per-chunk body filter threw: the chunk cannot be sent (the caller cuts the connection). */
export class StreamFilterFailed extends Error {}

/**
 * The per-chunk body filters (KitResponse.streamBody) over one chunk, in
 * plugin order; `last` on the end of the body. One that throws is logged as
 * that plugin's body_filter crash and StreamFilterFailed is thrown.
 */
export function runStreamFilters(s: RequestState, chunk: Buffer, last: boolean): Buffer {
  let out = chunk
  for (const { inst, filter } of s.streamFilters!) {
    try {
      const next = inRequest(s.requestId, () => filter(out, last))
      out = typeof next === 'string' ? Buffer.from(next) : next
    } catch (err) {
      crashed(s, inst, 'body_filter', err)
      throw new StreamFilterFailed(`${inst.name} body_filter failed`)
    }
  }
  return out
}

/** The log phase runs once the exchange with the client is over (finished, or the client went away). */
export function scheduleLog(s: RequestState, lists: PhaseLists): void {
  if (s.logScheduled) return
  s.logScheduled = true
  s.transport.onClose(() => runLog(s, lists))
}

function runLog(s: RequestState, lists: PhaseLists): void {
  const kit = kitOf(s)
  // Kong's runloop before the log phase: the balancer spans, the root span's end.
  s.trace?.beforeLog(s)
  for (const inst of lists.log) {
    try {
      inRequest(s.requestId, () => inst.phases.log!(kit))
    } catch (err) {
      crashed(s, inst, 'log', err)
    }
  }
}
