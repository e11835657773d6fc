/**
 * The process's last resort in `gateway serve`: an exception thrown from a
 * callback nobody awaits (a timer or a promise a plugin starts and leaves
 * running) is logged and the process serves on, as nginx does when a Lua
 * timer fails; Node's default would end every connection of the process for
 * one plugin's stray callback.
 *
 * Why this is sound here: the request path catches its own exceptions at the
 * source (runtime/unexpected.ts, runtime/phases.ts), so what arrives here is
 * work detached from any request, whose failure leaves no request half-done;
 * and the gateway's state is rebuilt from the file, not mutated in place.
 *
 * The first such line switches request tracking on (runtime/request-scope.ts:
 * it has a cost, paid only once a plugin has shown it leaves callbacks
 * behind); from then on, a callback a plugin starts while running for a
 * request (in any phase) names that request: its line carries `request_id`.
 * The first line cannot, nor can one about work started elsewhere (a
 * plugin's set-up when a config is compiled, a node slot's own timers) or
 * before tracking began. Only `gateway serve` installs it: an embedding
 * program keeps Node's default or its own policy.
 */
import { currentRequestId, trackRequests } from '../runtime/request-scope.js'

export interface SafetyNetLog {
  error(fields: Record<string, unknown>, msg: string): void
}

const describe = (err: unknown) => (err instanceof Error ? { message: err.message, code: (err as NodeJS.ErrnoException).code, stack: err.stack } : String(err))

/** The line's fields: the error, and the request whose plugin left the callback behind, when known. */
function fields(err: unknown): Record<string, unknown> {
  trackRequests()
  const requestId = currentRequestId()
  return requestId === undefined ? { err: describe(err) } : { err: describe(err), request_id: requestId }
}

export function installSafetyNet(log: SafetyNetLog, proc: NodeJS.Process = process): void {
  proc.on('uncaughtException', (err) => {
    try {
      log.error(fields(err), 'uncaught exception outside any request; serving on')
    } catch {
      // Nothing left to tell.
    }
  })
  proc.on('unhandledRejection', (reason) => {
    try {
      log.error(fields(reason), 'unhandled promise rejection outside any request; serving on')
    } catch {
      // Nothing left to tell.
    }
  })
}
