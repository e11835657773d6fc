/**
 * A proxied response held for a slow reader (the route's response_buffering,
 * Kong's default: nginx's proxy_buffering). Once the client stops taking
 * bytes, what the upstream sends keeps coming in: into memory up to
 * proxyBufferBytes, then into a temporary file (spool-file.ts), so the
 * upstream's answer completes and its connection goes back to the pool while
 * the client reads at its own pace. Bytes leave in the order they came.
 *
 * The upstream is paused only when the disk falls behind, or when the file
 * holds proxyTempFileBytes not yet sent (nginx's proxy_max_temp_file_size):
 * memory and disk stay bounded. Created only when a write first has to wait,
 * so a client that keeps up never pays for it.
 */
import type { ClientLimits } from './limits.js'
import { SpoolFile } from './spool-file.js'
import type { Transport } from './transport.js'

/** How much of the file is read back per write to the client. */
const READ_CHUNK = 64 * 1024

export interface Pausable {
  pause(): void
  resume(): void
}

export class ResponseSpool {
  readonly #memory: Buffer[] = []
  #memoryBytes = 0
  #file: SpoolFile | undefined
  #opening = false
  #queue: Buffer[] = []
  #queued = 0
  #writing = false
  /** File bytes written so far, and read back so far (sent to the client). */
  #writePos = 0
  #readPos = 0
  #reading = false
  /** The client has not drained the last write yet. */
  #waiting = true
  #ended = false
  #closed = false
  #upstreamPaused = false

  /** Starts after a write to `t` returned false: waits for its drain. */
  constructor(
    private readonly t: Transport,
    private readonly limits: ClientLimits,
    private readonly upstream: Pausable,
  ) {
    t.onDrain(() => this.#pump())
    t.onClose(() => this.close())
  }

  /** Data from the upstream, never refused. */
  write(chunk: Buffer): void {
    if (this.#closed) return
    if (!this.#waiting && this.#memory.length === 0 && !this.#fileBusy()) {
      if (!this.t.write(chunk)) this.#wait()
      return
    }
    if (!this.#fileBusy() && this.#memoryBytes + chunk.length <= this.limits.proxyBufferBytes) {
      this.#memory.push(chunk)
      this.#memoryBytes += chunk.length
      return
    }
    // Once bytes are in the file, later ones follow them there: the order holds.
    this.#queue.push(chunk)
    this.#queued += chunk.length
    if (!this.#file && !this.#opening) this.#open()
    else this.#flush()
    this.#throttle()
  }

  /** The upstream finished: the client gets the rest, then the end. */
  end(): void {
    this.#ended = true
    if (!this.#waiting) this.#pump()
  }

  /** The client is gone (or the answer is over): drop what is held. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#memory.length = 0
    this.#queue = []
    void this.#file?.close()
  }

  #fileBusy(): boolean {
    return this.#opening || this.#writing || this.#queued > 0 || this.#readPos < this.#writePos
  }

  #wait(): void {
    this.#waiting = true
    this.t.onDrain(() => this.#pump())
  }

  /** Sends what is held, memory first, then the file, as far as the client takes it. */
  #pump(): void {
    if (this.#closed) return
    this.#waiting = false
    while (this.#memory.length > 0) {
      const chunk = this.#memory.shift()!
      this.#memoryBytes -= chunk.length
      if (!this.t.write(chunk)) return this.#wait()
    }
    if (this.#readPos < this.#writePos) return this.#readBack()
    if (this.#file && !this.#writing && this.#queued === 0) {
      // All sent: the file is reused from its start.
      this.#readPos = this.#writePos = 0
    }
    this.#throttle()
    if (this.#ended && !this.#fileBusy()) {
      this.t.end()
      this.close()
    }
  }

  #readBack(): void {
    if (this.#reading || !this.#file) return
    this.#reading = true
    this.#file.read(this.#readPos, Math.min(READ_CHUNK, this.#writePos - this.#readPos)).then(
      (chunk) => {
        this.#reading = false
        if (this.#closed) return
        this.#readPos += chunk.length
        this.#throttle()
        if (!this.t.write(chunk)) return this.#wait()
        this.#pump()
      },
      (err: unknown) => this.#fail(err as Error),
    )
  }

  #open(): void {
    this.#opening = true
    SpoolFile.create(this.limits.tempDir).then(
      (file) => {
        this.#opening = false
        if (this.#closed) return void file.close()
        this.#file = file
        this.#flush()
      },
      (err: unknown) => this.#fail(err as Error),
    )
  }

  #flush(): void {
    if (this.#writing || !this.#file || this.#queued === 0) return
    this.#writing = true
    const batch = this.#queue
    const n = this.#queued
    this.#queue = []
    this.#queued = 0
    this.#file.write(batch, this.#writePos).then(
      () => {
        this.#writing = false
        if (this.#closed) return
        this.#writePos += n
        this.#throttle()
        if (!this.#waiting && !this.#reading) this.#pump()
        this.#flush()
      },
      (err: unknown) => this.#fail(err as Error),
    )
  }

  /** Pauses the upstream while the disk is behind or the file holds its most; resumes it after. */
  #throttle(): void {
    const unsent = this.#queued + this.#writePos - this.#readPos
    const over = this.#queued > this.limits.proxyBufferBytes || unsent > this.limits.proxyTempFileBytes
    if (over && !this.#upstreamPaused) {
      this.#upstreamPaused = true
      this.upstream.pause()
    } else if (!over && this.#upstreamPaused) {
      this.#upstreamPaused = false
      this.upstream.resume()
    }
  }

  /** The temp file failed: the client gets a cut answer, as on any mid-body failure. */
  #fail(err: Error): void {
    this.#opening = this.#writing = this.#reading = false
    if (this.#closed) return
    this.close()
    this.t.abort(err)
  }
}
