/**
 * Datagrams for the plugins that send over UDP (udp-log, loggly, statsd,
 * datadog). Kong opens a UDP cosocket per message or batch; here the node keeps one unconnected
 * socket per address family (a node slot, unref'd so it never keeps the
 * process alive) and each message is one datagram from it. A host name is
 * resolved once per RESOLVE_TTL_MS, its answer or its failure kept meanwhile
 * (Kong's resolver caches both), not on every message. A failure
 * (resolution, a datagram too large, ...) reaches the caller's callback.
 */
import { createSocket, type Socket } from 'node:dgram'
import { lookup } from 'node:dns'
import { isIP } from 'node:net'
import { nodeSlot } from '../types.js'

export interface UdpSender {
  /** Sends `message` as one datagram; `onError` gets the reason when it could not go. */
  send(message: string | Buffer, host: string, port: number, onError: (e: Error) => void): void
  /**
   * Sends each message as one datagram and settles when all have gone: with
   * the resolution failure (then nothing was sent), or each send's failure.
   */
  sendAll(messages: readonly (string | Buffer)[], host: string, port: number): Promise<{ unresolved?: Error; failed: Error[] }>
}

// How long a name's answer (or failure) is used before it is looked up again.
const RESOLVE_TTL_MS = 30_000

interface Resolved {
  address: string
  family: 4 | 6
  error: Error | undefined
  until: number
}

class Sender implements UdpSender {
  private v4: Socket | undefined
  private v6: Socket | undefined
  private closed = false
  private readonly names = new Map<string, Resolved>()

  send(message: string | Buffer, host: string, port: number, onError: (e: Error) => void): void {
    if (this.closed) return
    this.route(host, (err, address, family) => (err ? onError(err) : this.sendTo(message, address, family, port, onError)))
  }

  sendAll(messages: readonly (string | Buffer)[], host: string, port: number): Promise<{ unresolved?: Error; failed: Error[] }> {
    return new Promise((settle) => {
      const failed: Error[] = []
      let pending = messages.length
      if (pending === 0 || this.closed) return settle({ failed })
      const sent = (err: Error | null | undefined) => {
        if (err) failed.push(err)
        if (--pending === 0) settle({ failed })
      }
      // The name is resolved once for the whole batch; a failure settles at once.
      this.route(host, (err, address, family) => {
        if (err) return settle({ unresolved: err, failed })
        if (this.closed) return settle({ failed })
        const socket = this.socketFor(family)
        for (const m of messages) socket.send(m, port, address, sent)
      })
    })
  }

  /** Where `host`'s datagrams go: at once for an IP, else from the cache or a lookup. */
  private route(host: string, then: (err: Error | undefined, address: string, family: 4 | 6) => void): void {
    const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
    const family = isIP(bare)
    if (family !== 0) return then(undefined, bare, family as 4 | 6)
    const known = this.names.get(bare)
    if (known && known.until > Date.now()) return then(known.error, known.address, known.family)
    // IPv4 first, as Kong's resolver asks for A records before AAAA.
    lookup(bare, { verbatim: false }, (error, address, fam) => {
      const resolved: Resolved = { address, family: fam === 6 ? 6 : 4, error: error ?? undefined, until: Date.now() + RESOLVE_TTL_MS }
      this.names.set(bare, resolved)
      then(resolved.error, resolved.address, resolved.family)
    })
  }

  private socketFor(family: 4 | 6): Socket {
    return family === 6 ? (this.v6 ??= this.open('udp6')) : (this.v4 ??= this.open('udp4'))
  }

  private sendTo(message: string | Buffer, address: string, family: 4 | 6, port: number, onError: (e: Error) => void): void {
    if (this.closed) return
    this.socketFor(family).send(message, port, address, (err) => {
      if (err) onError(err)
    })
  }

  close(): void {
    this.closed = true
    this.v4?.close()
    this.v6?.close()
  }

  private open(type: 'udp4' | 'udp6'): Socket {
    const s = createSocket(type)
    // Send errors come back through send's callback; a socket-level error only drops the socket.
    s.on('error', () => {
      if (this.v4 === s) this.v4 = undefined
      if (this.v6 === s) this.v6 = undefined
      s.close()
    })
    s.unref()
    return s
  }
}

export const UDP_SENDER = nodeSlot<UdpSender & { close(): void }>(
  'shared:udp-sender',
  () => new Sender(),
  (s) => s.close(),
)
