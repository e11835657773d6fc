/**
 * nginx's limits on the request head, as Kong configures them
 * (`large_client_header_buffers 4 8k`): the request line and each header line
 * must fit one 8 KiB buffer (CRLF included), and the whole head four of them.
 * Node's parser enforces the whole-head bound (server/app.ts sets its
 * maxHeaderSize to 4 x 8 KiB and answers its overflow in
 * server/client-error.ts); the per-line bounds are checked here, on the
 * parsed request, before anything else reads it.
 *
 * Node also stops collecting headers past `maxHeadersCount` and drops the rest
 * without a word (an `apikey` after the 2,000th header was lost): the server
 * keeps one more than MAX_HEADER_LINES so that such a request is seen and
 * refused here instead of being served without some of its headers.
 */
import type { IncomingMessage } from 'node:http'
import { HEADER_TOO_LARGE, URI_TOO_LONG, type ErrorAnswer } from '../errors.js'

/** One of nginx's large header buffers (Kong's `large_client_header_buffers 4 8k`). */
export const HEADER_BUFFER_BYTES = 8192
/** How many of them the whole request head may fill. */
export const HEADER_BUFFERS = 4
/** The most header lines a request may carry (Node's default maxHeadersCount); more is refused, never truncated. */
export const MAX_HEADER_LINES = 2000

// `METHOD SP target SP HTTP/1.1 CRLF`: two spaces, the version, the line end.
const REQUEST_LINE_EXTRA = 2 + 8 + 2
// `name: value CRLF`
const HEADER_LINE_EXTRA = 2 + 2

/** The answer for a request head over nginx's limits (414 for the request line, else 400), or undefined. */
export function overHeaderLimits(req: IncomingMessage): ErrorAnswer | undefined {
  // spec/02-integration/05-proxy/04-plugins_triggering_spec.lua:955 (a 10 KiB URI is 414)
  if ((req.method?.length ?? 0) + (req.url?.length ?? 0) + REQUEST_LINE_EXTRA > HEADER_BUFFER_BYTES) return URI_TOO_LONG
  const raw = req.rawHeaders
  if (raw.length > MAX_HEADER_LINES * 2) return HEADER_TOO_LARGE
  // spec/02-integration/05-proxy/13-error_handlers_spec.lua:28 (a 10 KiB header is 400)
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length + raw[i + 1]!.length + HEADER_LINE_EXTRA > HEADER_BUFFER_BYTES) return HEADER_TOO_LARGE
  }
  return undefined
}
