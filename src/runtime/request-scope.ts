/**
 * Which request a plugin's code runs for, known in every callback that code
 * starts (a timer, a promise, an event handler): each plugin phase runs in an
 * AsyncLocalStorage scope holding the request id. The process's safety net
 * (cli/safety-net.ts) reads it to name the request whose plugin left a
 * failing timer or rejected promise behind; nothing on the request path reads
 * it (the request path has the id at hand).
 *
 * One storage per process, not per gateway: it holds no state of its own,
 * only a key into Node's async context, and a request id is unique across
 * gateways. Only plugin phases enter it: a route without plugins never does.
 */
import { AsyncLocalStorage } from 'node:async_hooks'

const scope = new AsyncLocalStorage<string>()

/** Runs `fn` (a plugin phase) so that whatever it starts knows `requestId`. */
export function inRequest<R>(requestId: string, fn: () => R): R {
  return scope.run(requestId, fn)
}

/** The id of the request whose plugin started the running callback, if any. */
export function currentRequestId(): string | undefined {
  return scope.getStore()
}
