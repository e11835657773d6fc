/**
 * A temporary file for a body too large to hold in memory (a buffered request
 * body, a response waiting for a slow reader), as nginx's client_body_temp
 * and proxy_temp files. Its name is removed as soon as it is open: only the
 * open handle keeps it, so it is gone when closed, and also if the process
 * dies, whatever happens to the request. Writes and reads are positional, so
 * several readers (one per try) never share a file offset.
 */
import { randomBytes } from 'node:crypto'
import { open, unlink, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'

const READ_CHUNK = 64 * 1024

export class SpoolFile {
  #closing: Promise<void> | undefined

  private constructor(private readonly handle: FileHandle) {}

  /** A new empty file in `dir`, readable and writable by this process only. */
  static async create(dir: string): Promise<SpoolFile> {
    const path = join(dir, `gateway-spool-${process.pid}-${randomBytes(8).toString('hex')}`)
    const handle = await open(path, 'wx+', 0o600)
    try {
      await unlink(path)
    } catch (err) {
      await handle.close()
      throw err
    }
    return new SpoolFile(handle)
  }

  /** Writes `chunks` at `position`, all of them or an error. */
  async write(chunks: Buffer[], position: number): Promise<number> {
    let expected = 0
    for (const c of chunks) expected += c.length
    const { bytesWritten } = await this.handle.writev(chunks, position)
    if (bytesWritten !== expected) throw new Error(`short write to a spool file (${bytesWritten} of ${expected} bytes)`)
    return bytesWritten
  }

  /** Up to `length` bytes from `position`. */
  async read(position: number, length: number): Promise<Buffer> {
    const buffer = Buffer.allocUnsafe(length)
    const { bytesRead } = await this.handle.read(buffer, 0, length, position)
    return bytesRead === length ? buffer : buffer.subarray(0, bytesRead)
  }

  /**
   * Bytes [0, size) as a fresh stream; the file stays open for the next one
   * (a FileHandle's own read stream closes the handle when it is destroyed,
   * as undici does with a body it has sent).
   */
  stream(size: number): Readable {
    let position = 0
    const read = (n: number) => this.read(position, n)
    return new Readable({
      highWaterMark: READ_CHUNK,
      read() {
        if (position >= size) return void this.push(null)
        read(Math.min(READ_CHUNK, size - position)).then(
          (chunk) => {
            if (chunk.length === 0) return this.destroy(new Error('spool file shorter than its body'))
            position += chunk.length
            this.push(chunk)
          },
          (err: unknown) => this.destroy(err as Error),
        )
      },
    })
  }

  /** Closes the handle (the file goes with it); safe to call more than once. */
  close(): Promise<void> {
    return (this.#closing ??= this.handle.close().catch(() => {}))
  }
}
