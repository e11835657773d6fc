/**
 * Datagrams for the log plugins that send over UDP (udp-log, loggly). Kong
 * opens a UDP cosocket per message; here the node keeps one unconnected
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
    const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
    const family = isIP(bare)
    if (family !== 0) return this.sendTo(message, bare, family as 4 | 6, port, onError)
    const known = this.names.get(bare)
    if (known && known.until > Date.now()) {
      if (known.error) onError(known.error)
      else this.sendTo(message, known.address, known.family, port, onError)
      return
    }
    // IPv4 first, as Kong's resolver asks for A records before AAAA.
    lookup(bare, { verbatim: false }, (error, address, fam) => {
      this.names.set(bare, { address, family: fam === 6 ? 6 : 4, error: error ?? undefined, until: Date.now() + RESOLVE_TTL_MS })
      if (error) onError(error)
      else this.sendTo(message, address, fam === 6 ? 6 : 4, port, onError)
    })
  }

  private sendTo(message: string | Buffer, address: string, family: 4 | 6, port: number, onError: (e: Error) => void): void {
    if (this.closed) return
    const socket = family === 6 ? (this.v6 ??= this.open('udp6')) : (this.v4 ??= this.open('udp4'))
    socket.send(message, port, address, (err) => {
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
