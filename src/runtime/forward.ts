/**
 * Forwarding on undici, the engine under @fastify/reply-from, called directly
 * through `Pool.dispatch` so the hot path does no per-request option
 * normalization: bodies stream both ways with backpressure, on the node's
 * keep-alive pools (node/pools.ts).
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import type { Dispatcher, Pool } from 'undici'

export interface ForwardRequest {
  pool: Pool
  method: string
  /** Escaped path with the query string. */
  path: string
  headers: Record<string, string | string[]>
  /** The client's stream, or bytes a plugin buffered or replaced. */
  body: Readable | Buffer | null
  readTimeout: number
}

export interface ForwardHooks {
  /** Response headers arrive: returns the headers to send (hop-by-hop removed, gateway headers added). */
  onHeaders(status: number, headers: IncomingHttpHeaders): Record<string, string | string[] | number>
  /** Failure before the response started: the caller may retry or answer with Kong's error. */
  onError(err: Error, responseStarted: boolean): void
  onDone?(): void
  /** The status to send (plugins' header_filter may change it); default: the upstream's. */
  status?(): number
  /**
   * Asked once the headers are known: a function when a plugin needs the whole
   * body (the response is buffered, filtered, then sent), else it streams.
   */
  bodyFilter?: (() => ((body: Buffer) => Buffer) | undefined) | undefined
}

// undici's own timers tick every ~0.5 s (1 s resolution); a shorter read timeout
// gets a precise timer of its own, longer ones keep undici's (cheaper) ones.
const PRECISE_BELOW_MS = 2000

class HeadersTimeout extends Error {
  readonly code = 'UND_ERR_HEADERS_TIMEOUT'
}

export function forward(res: ServerResponse, req: ForwardRequest, hooks: ForwardHooks): void {
  let started = false
  let finished = false
  let timer: NodeJS.Timeout | undefined
  let filter: ((body: Buffer) => Buffer) | undefined
  let held: { status: number; headers: Record<string, string | string[] | number>; chunks: Buffer[] } | undefined
  const opts: Dispatcher.DispatchOptions = {
    path: req.path,
    method: req.method as Dispatcher.HttpMethod,
    headers: req.headers,
    body: req.body,
    headersTimeout: req.readTimeout,
    bodyTimeout: req.readTimeout,
  }
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart(controller) {
      if (req.readTimeout < PRECISE_BELOW_MS && timer === undefined) {
        timer = setTimeout(() => controller.abort(new HeadersTimeout('headers timeout')), req.readTimeout)
      }
      // The client went away: stop talking to the upstream too.
      res.once('close', () => {
        if (!finished) controller.abort(new Error('client closed the connection'))
      })
    },
    onResponseStart(_controller, status, headers) {
      if (status < 200) return // 1xx: Node answers 100-continue itself
      started = true
      if (timer) clearTimeout(timer)
      const out = hooks.onHeaders(status, headers)
      const send = hooks.status?.() ?? status
      filter = hooks.bodyFilter?.()
      if (filter) {
        held = { status: send, headers: out, chunks: [] }
        return
      }
      res.writeHead(send, out)
    },
    onResponseData(controller, chunk) {
      if (held) {
        held.chunks.push(chunk)
        return
      }
      if (!res.write(chunk)) {
        // Backpressure: resume once the client has drained what we wrote.
        controller.pause()
        res.once('drain', () => controller.resume())
      }
    },
    onResponseEnd() {
      finished = true
      if (held && filter) {
        const body = filter(Buffer.concat(held.chunks))
        delete held.headers['transfer-encoding']
        held.headers['content-length'] = body.length
        res.writeHead(held.status, held.headers)
        res.end(res.req.method === 'HEAD' ? undefined : body)
        hooks.onDone?.()
        return
      }
      res.end()
      hooks.onDone?.()
    },
    onResponseError(_controller, err) {
      finished = true
      if (timer) clearTimeout(timer)
      if (started && held) {
        // Nothing was sent yet: the client gets a clean 502 from the caller.
        held = undefined
        hooks.onDone?.()
        hooks.onError(err, false)
        return
      }
      if (started) {
        // Mid-body failure: the status is already sent; cut the connection so the
        // client sees a truncated response rather than a complete-looking one.
        res.destroy(err)
        hooks.onDone?.()
        return
      }
      hooks.onError(err, false)
    },
  }
  req.pool.dispatch(opts, handler)
}
