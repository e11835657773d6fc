/**
 * The last line of the request path: an exception that no plugin phase caught
 * (a bug of ours, or of a plugin outside its phase: a callback, a header set
 * behind the kit's back) is logged with the request id and answered with
 * Kong's 500 when nothing was sent yet; once the answer has started, the
 * connection is cut so the client sees a truncated response rather than a
 * complete-looking one. The answer skips the plugins' response phases: the
 * failure may be theirs. Nothing here may throw.
 */
import { reasonPhrase, UNEXPECTED } from '../errors.js'
import { firstValue } from './headers.js'
import { addDebugHeaders } from './kong-headers.js'
import { renderError } from './render.js'
import { kongHeaders } from './respond.js'
import type { RequestState } from './state.js'
import type { OutHeaders } from './transport.js'

const describe = (err: unknown) => (err instanceof Error ? { message: err.message, code: (err as NodeJS.ErrnoException).code, stack: err.stack } : String(err))

export function unexpected(s: RequestState, err: unknown, where: string): void {
  try {
    s.log?.({ request_id: s.requestId, where, err: describe(err) }, 'unexpected error on the request path')
  } catch {
    // A failing logger must not stop the answer.
  }
  const t = s.transport
  if (t.closed) return
  try {
    if (t.started) return t.abort()
    const r = renderError(UNEXPECTED.error, s.requestId, firstValue(s.req.headers.accept), 'kong', undefined, s.errors)
    const headers: OutHeaders = { 'content-type': r.contentType }
    if (s.wire.debugHeader) addDebugHeaders(headers, s.req.headers, s.match)
    kongHeaders(s, headers)
    t.send(UNEXPECTED.status, reasonPhrase(UNEXPECTED.status), headers, r.body)
  } catch {
    t.abort()
  }
}

/** Runs `fn` (a step of the request path); an exception goes to `unexpected`. */
export function guarded(s: RequestState, where: string, fn: () => void): void {
  try {
    fn()
  } catch (err) {
    unexpected(s, err, where)
  }
}
