/**
 * The client's request body on its way upstream, as nginx reads it for Kong:
 *
 * - `request_buffering: true` (Kong's default): the whole body is read before
 *   the upstream is contacted, in memory up to client_body_buffer_size, then
 *   in a temporary file (spool-file.ts). A client that sends slowly holds only
 *   its own connection, never one of the upstream's.
 * - `request_buffering: false`: the body streams to the upstream as it comes.
 *
 * Either way a client that leaves more than client_body_timeout between two
 * reads is cut off (nginx terminates the request with 408 and sends nothing:
 * ngx_http_request_body.c ngx_http_read_client_request_body_handler, then
 * ngx_http_finalize_request, which terminates rather than answers a
 * NGX_HTTP_REQUEST_TIME_OUT), and a plugin's cap on the body size
 * (request-size-limiting) is applied while it is read.
 */
import { Transform, type Readable } from 'node:stream'
import type { RequestState } from './state.js'
import { SpoolFile } from './spool-file.js'

/** undici aborts a capped body with an error of this code. */
export const BODY_LIMIT = 'GATEWAY_BODY_LIMIT'
/** A streamed body that stalled past client_body_timeout. */
export const CLIENT_BODY_TIMEOUT = 'GATEWAY_CLIENT_BODY_TIMEOUT'

const coded = (message: string, code: string) => Object.assign(new Error(message), { code })

/** A body kept in a temp file: each try sends a fresh stream of it. */
export class StoredBody {
  constructor(
    private readonly file: SpoolFile,
    readonly size: number,
  ) {}
  stream(): Readable {
    return this.file.stream(this.size)
  }
  close(): Promise<void> {
    return this.file.close()
  }
}

export type BodyRead =
  | { kind: 'body'; body: Buffer | StoredBody; size: number }
  /** Nothing for client_body_timeout. */
  | { kind: 'timeout' }
  /** Over the plugin's cap. */
  | { kind: 'limit' }
  /** The client went away before the end of its body. */
  | { kind: 'closed' }
  /** The temp file could not be written. */
  | { kind: 'failed'; err: Error }

/**
 * Reads the whole body (request_buffering): in memory up to the limit's
 * bodyBufferBytes, else into a temp file, which the caller closes once the
 * exchange is over. Memory stays near bodyBufferBytes: reading pauses while
 * the file is behind.
 */
export function bufferRequestBody(s: RequestState, maxBytes: number | undefined): Promise<BodyRead> {
  const req = s.req
  const limits = s.limits
  const inMemory = limits.bodyBufferBytes
  return new Promise<BodyRead>((resolve) => {
    const memory: Buffer[] = []
    let size = 0
    let file: SpoolFile | undefined
    let opening = false
    let queue: Buffer[] = []
    let queued = 0
    let writing = false
    let written = 0
    let ended = false
    let settled = false
    let paused = false

    const finish = (r: BodyRead) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('close', onClose)
      req.off('error', onClose)
      if (r.kind !== 'body') void file?.close()
      resolve(r)
    }
    const done = () => {
      if (!ended || writing || opening || queued > 0) return
      if (!file) return finish({ kind: 'body', body: memory.length === 1 ? memory[0]! : Buffer.concat(memory, size), size })
      finish({ kind: 'body', body: new StoredBody(file, written), size: written })
    }
    const flush = () => {
      if (writing || !file || queued === 0) return done()
      writing = true
      const batch = queue
      const n = queued
      queue = []
      queued = 0
      file.write(batch, written).then(
        () => {
          written += n
          writing = false
          if (settled) return
          if (paused && queued <= inMemory) {
            paused = false
            req.resume()
          }
          flush()
        },
        (err: unknown) => {
          writing = false
          finish({ kind: 'failed', err: err as Error })
        },
      )
    }
    const spill = () => {
      opening = true
      SpoolFile.create(limits.tempDir).then(
        (f) => {
          opening = false
          if (settled) return void f.close()
          file = f
          flush()
        },
        (err: unknown) => {
          opening = false
          finish({ kind: 'failed', err: err as Error })
        },
      )
    }
    function onData(chunk: Buffer) {
      timer.refresh()
      size += chunk.length
      if (maxBytes !== undefined && size > maxBytes) return finish({ kind: 'limit' })
      if (!file && !opening && size <= inMemory) {
        memory.push(chunk)
        return
      }
      if (!file && !opening) {
        // Past the memory bound: everything read so far goes to the file first.
        queue = memory.splice(0, memory.length)
        queued = size - chunk.length
        spill()
      }
      queue.push(chunk)
      queued += chunk.length
      if (queued > inMemory && !paused) {
        // The disk is behind: stop reading until it catches up.
        paused = true
        req.pause()
      }
      flush()
    }
    function onEnd() {
      ended = true
      done()
    }
    function onClose() {
      if (!req.complete) finish({ kind: 'closed' })
    }
    // client_body_timeout runs between two reads; while the gateway itself
    // holds the reading (the file is behind), the client is not to blame.
    const timer = setTimeout(function idle() {
      if (paused) return void timer.refresh()
      finish({ kind: 'timeout' })
    }, limits.bodyTimeoutMs).unref()
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('close', onClose)
    req.on('error', onClose)
  })
}

/**
 * The body streamed as it comes (request_buffering false): cut with an error
 * past the plugin's cap, or when the client stalls past client_body_timeout
 * while the upstream is ready for more.
 */
export function streamedBody(s: RequestState, maxBytes: number | undefined): Readable {
  const req = s.req
  let seen = 0
  const guard = new Transform({
    transform(chunk: Buffer, _enc, next) {
      timer.refresh()
      seen += chunk.length
      if (maxBytes !== undefined && seen > maxBytes) return next(coded('request body over the limit', BODY_LIMIT))
      next(null, chunk)
    },
    flush(next) {
      clearTimeout(timer)
      next()
    },
    destroy(err, next) {
      clearTimeout(timer)
      next(err)
    },
  })
  const timer = setTimeout(function idle() {
    // Paused by the upstream's backpressure: the client is not the one stalling.
    if (guard.writableNeedDrain || req.readableFlowing === false) return void timer.refresh()
    guard.destroy(coded('client body timeout', CLIENT_BODY_TIMEOUT))
  }, s.limits.bodyTimeoutMs).unref()
  req.on('error', (err) => guard.destroy(err))
  return req.pipe(guard)
}
