/**
 * Which request a plugin's code runs for, known in every callback that code
 * starts (a timer, a promise, an event handler): once tracking is on, each
 * plugin phase runs in an AsyncLocalStorage scope holding the request id. The
 * process's safety net (cli/safety-net.ts) reads it to name the request whose
 * plugin left a failing timer or rejected promise behind; nothing on the
 * request path reads it (the request path has the id at hand).
 *
 * Tracking is off until the safety net has caught a first stray callback,
 * because it is not free: with an AsyncLocalStorage in use, Node 20 runs a
 * hook for every promise and async resource the process creates: 7 to 16 %
 * more CPU per request on a route whose plugin awaits much (request-callout,
 * about 45 promises a request) in three runs on a busy 2-core VM. A plugin
 * that leaves a failing callback behind usually does so on every request, so
 * the lines name their requests from the second one on, and a gateway whose
 * plugins behave never pays.
 *
 * The id is that of the request whose phase started the work: a client a
 * plugin opens lazily and shares with later requests keeps the id of the
 * request that opened it.
 *
 * Process-wide on purpose (one storage and one switch, not per gateway): the
 * storage holds no state, only a key into Node's async context, and request
 * ids are unique across gateways; the safety net is itself process-wide.
 */
import { AsyncLocalStorage } from 'node:async_hooks'

const scope = new AsyncLocalStorage<string>()
let tracking = false

/** From now on, plugin phases run in their request's scope. */
export function trackRequests(): void {
  tracking = true
}

/** Runs `fn` (a plugin phase) so that, once tracking is on, whatever it starts knows `requestId`. */
export function inRequest<R>(requestId: string, fn: () => R): R {
  return tracking ? scope.run(requestId, fn) : fn()
}

/** The id of the request whose plugin started the running callback, if known. */
export function currentRequestId(): string | undefined {
  return scope.getStore()
}
