/**
 * What nginx refuses before Kong runs (ngx_http_process_request_header), so
 * no plugin phase sees these requests, the global ones included:
 *
 * - a second Host header: 400 (RFC 9112 §3.2; nginx: "client sent duplicate
 *   host header"). Node keeps the first and drops the rest, which routed on
 *   one Host while an upstream or a cache might read the other;
 * - HTTP/1.1 without Host: 400 (RFC 9112 §3.2), in Kong's error template;
 * - TRACE: 405 "Method not allowed" (nginx refuses the method outright).
 *
 * nginx closes the connection after a 400; a 405 keeps it.
 */
import { BAD_REQUEST, METHOD_NOT_ALLOWED, type ErrorAnswer } from '../errors.js'
import type { IncomingMessage } from 'node:http'

export interface Refusal {
  answer: ErrorAnswer
  headers?: Readonly<Record<string, string>>
}

const CLOSE = Object.freeze({ connection: 'close' })
const BAD_HOST: Refusal = Object.freeze({ answer: BAD_REQUEST, headers: CLOSE })
const TRACE: Refusal = Object.freeze({ answer: METHOD_NOT_ALLOWED })

/** The refusal nginx would answer `req` with, or undefined. */
export function refusal(req: IncomingMessage): Refusal | undefined {
  if (req.headers.host === undefined) {
    // nginx wants a Host from HTTP/1.1 and HTTP/2 (where `:authority` stands for it: h2-request.ts).
    if (req.httpVersion === '1.1' || req.httpVersionMajor === 2) return BAD_HOST
  } else if (hostCount(req.rawHeaders) > 1) return BAD_HOST
  if (req.method === 'TRACE') return TRACE
  return undefined
}

function hostCount(raw: readonly string[]): number {
  let n = 0
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!
    if (name.length === 4 && name.toLowerCase() === 'host') n++
  }
  return n
}
