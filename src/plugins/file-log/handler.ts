/**
 * file-log: one JSON line per request, appended without waiting on the disk.
 * Files are opened in append mode once per path and shared by every instance
 * writing there, across reloads (a node slot). With `reopen`, each flush opens,
 * appends and closes the file (Kong reopens per request), so a rotated file is
 * picked up.
 */
import { createWriteStream, type WriteStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { logEntries } from '../shared/log-fields.js'
import { serializeStream } from '../shared/stream-log.js'
import { definePhases, nodeSlot, type PluginLog } from '../types.js'
import type { FileLogConfig } from './schema.js'

// Past this many bytes waiting for the disk, lines are dropped rather than held in memory.
const MAX_PENDING_BYTES = 64 * 1024 * 1024

// Kong logs C's strerror text (glibc's wording) of a failed open; Node's messages differ.
const STRERROR: Readonly<Record<string, string>> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  EROFS: 'Read-only file system',
  ENOSPC: 'No space left on device',
  EDQUOT: 'Disk quota exceeded',
  EMFILE: 'Too many open files',
  ENFILE: 'Too many open files in system',
  ENAMETOOLONG: 'File name too long',
  ELOOP: 'Too many levels of symbolic links',
  EIO: 'Input/output error',
}

/** Kong's `failed to open the file: <strerror>`. */
function openError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code
  const text = code !== undefined ? STRERROR[code] : undefined
  return `failed to open the file: ${text ?? (e instanceof Error ? e.message : String(e))}`
}

interface Sink {
  write(line: string): void
  log: PluginLog
  close(): void
}

/** Kept open: one append stream per path. */
class StreamSink implements Sink {
  private stream: WriteStream | undefined
  private dropping = false
  constructor(
    private readonly path: string,
    public log: PluginLog,
  ) {}

  write(line: string): void {
    const s = (this.stream ??= this.openStream())
    if (s.writableLength > MAX_PENDING_BYTES) {
      if (!this.dropping) this.log.error(`cannot keep up writing to ${this.path}: dropping log lines`)
      this.dropping = true
      return
    }
    this.dropping = false
    s.write(line)
  }

  close(): void {
    this.stream?.end()
    this.stream = undefined
  }

  private openStream(): WriteStream {
    const s = createWriteStream(this.path, { flags: 'a', mode: 0o644 })
    s.on('error', (e) => {
      this.log.error(openError(e))
      // The next line tries again.
      if (this.stream === s) this.stream = undefined
      s.destroy()
    })
    return s
  }
}

/** Reopened for every flush: lines written meanwhile go out together, in order. */
class ReopenSink implements Sink {
  private pending: string[] = []
  private bytes = 0
  private flushing = false
  constructor(
    private readonly path: string,
    public log: PluginLog,
  ) {}

  close(): void {
    // A flush under way finishes on its own; nothing new is taken.
    this.bytes = Infinity
  }

  write(line: string): void {
    if (this.bytes > MAX_PENDING_BYTES) return
    this.pending.push(line)
    this.bytes += line.length
    if (!this.flushing) void this.flush()
  }

  private async flush(): Promise<void> {
    this.flushing = true
    while (this.pending.length > 0) {
      const data = this.pending.join('')
      this.pending = []
      this.bytes = 0
      try {
        const fh = await open(this.path, 'a', 0o644)
        try {
          await fh.appendFile(data)
        } finally {
          await fh.close()
        }
      } catch (e) {
        this.log.error(openError(e))
      }
    }
    this.flushing = false
  }
}

/** The node's open files, by path and mode. */
const SINKS = nodeSlot(
  'file-log:sinks',
  () => new Map<string, Sink>(),
  (sinks) => {
    for (const s of sinks.values()) s.close()
    sinks.clear()
  },
)

function sinkFor(sinks: Map<string, Sink>, path: string, reopen: boolean, log: PluginLog): Sink {
  const key = `${reopen ? 'reopen' : 'keep'}:${path}`
  let sink = sinks.get(key)
  if (!sink) {
    sink = reopen ? new ReopenSink(path, log) : new StreamSink(path, log)
    sinks.set(key, sink)
  }
  sink.log = log
  return sink
}

export default definePhases<FileLogConfig>((conf, env) => {
  const sink = sinkFor(env.node.slot(SINKS), conf.path, conf.reopen, env.log)
  const entry = logEntries(conf.custom_fields_by_lua, env)
  return {
    log(kit) {
      const record = entry(kit)
      if (record !== undefined) sink.write(`${JSON.stringify(record)}\n`)
    },
    // Stream sessions: Kong's stream record (custom_fields_by_lua is not applied there: README).
    streamLog(kit) {
      sink.write(`${JSON.stringify(serializeStream(kit))}\n`)
    },
  }
})
