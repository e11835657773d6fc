/**
 * The local syslog, as Kong's lsyslog reaches it through libc's syslog(3):
 * a datagram to a Unix socket (`/dev/log` unless GATEWAY_SYSLOG_SOCKET says
 * otherwise) holding `<PRI>Mmm dd hh:mm:ss kong[PID]: message`, local time.
 *
 * Node cannot send on a Unix datagram socket, so the datagrams are sent by
 * util-linux's `logger` (Debian's bsdutils, always installed there), one
 * long-lived process per socket reading `<PRI>message` lines on its stdin
 * (`--prio-prefix`): it writes exactly the header libc writes (ident `kong`,
 * the gateway's pid), and like libc it replaces facility kern (0) with user.
 * The process is started on the first message and again after it exits (at
 * most once a second); what it says on stderr (a missing socket, a send that
 * failed) is logged. Nothing here waits: a syslog that cannot keep up drops
 * messages past MAX_PENDING_BYTES, as one that is absent drops them all.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import type { PluginLog } from '../types.js'

/** The largest message passed on; longer ones are dropped whole (logger would split them). */
export const MAX_MESSAGE_BYTES = 256 * 1024
const MAX_PENDING_BYTES = 16 * 1024 * 1024
const RESTART_AFTER_MS = 1000
const IDENT = 'kong'

export class SyslogWriter {
  private child: ChildProcess | undefined
  private downUntil = 0
  private closed = false
  private dropping = false

  constructor(
    readonly socket: string,
    public log: PluginLog,
  ) {}

  /** Writes one message with priority `pri` (facility * 8 + severity). */
  write(pri: number, message: string): void {
    if (this.closed) return
    const bytes = Buffer.byteLength(message)
    if (bytes > MAX_MESSAGE_BYTES) {
      this.log.error(`syslog message of ${bytes} bytes is over ${MAX_MESSAGE_BYTES} bytes: dropped`)
      return
    }
    const child = this.child ?? this.start()
    const stdin = child?.stdin
    if (!stdin || stdin.writableLength > MAX_PENDING_BYTES) {
      if (!this.dropping) this.log.error(`cannot write to the syslog at ${this.socket}: dropping messages`)
      this.dropping = true
      return
    }
    this.dropping = false
    stdin.write(`<${pri}>${message}\n`)
  }

  close(): void {
    this.closed = true
    // logger sends what it has read, then exits at the end of its input.
    this.child?.stdin?.end()
    this.child = undefined
  }

  private start(): ChildProcess | undefined {
    if (Date.now() < this.downUntil) return undefined
    const args = ['--socket', this.socket, '--prio-prefix', '--tag', IDENT, `--id=${process.pid}`, '--socket-errors=on', '--size', String(MAX_MESSAGE_BYTES)]
    const child = spawn('logger', args, { stdio: ['pipe', 'ignore', 'pipe'] })
    const gone = () => {
      if (this.child === child) this.child = undefined
      this.downUntil = Date.now() + RESTART_AFTER_MS
    }
    child.on('error', (e) => {
      this.log.error(`cannot start logger to write to the syslog: ${e.message}`)
      gone()
    })
    child.on('exit', gone)
    // A write after logger exited fails with EPIPE: the exit is what gets logged.
    child.stdin?.on('error', () => {})
    let pending = ''
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n')
      pending = lines.pop() ?? ''
      for (const l of lines) if (l.trim() !== '') this.log.error(`syslog: ${l.trim()}`)
    })
    // The gateway may exit while logger runs: neither the process nor its pipes keep it alive.
    child.unref()
    for (const s of [child.stdin, child.stderr]) (s as { unref?: () => void } | null)?.unref?.()
    this.child = child
    return child
  }
}
