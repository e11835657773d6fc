/**
 * Datagrams for the log plugins that send over UDP (udp-log, loggly). Kong
 * opens a UDP cosocket per message; here the node keeps one unconnected
 * socket per address family (a node slot, unref'd so it never keeps the
 * process alive) and each message is one datagram from it. A failure
 * (resolution, a datagram too large, ...) reaches the caller's callback.
 */
import { createSocket, type Socket } from 'node:dgram'
import { isIPv6 } from 'node:net'
import { nodeSlot } from '../types.js'

export interface UdpSender {
  /** Sends `message` as one datagram; `onError` gets the reason when it could not go. */
  send(message: string | Buffer, host: string, port: number, onError: (e: Error) => void): void
}

class Sender implements UdpSender {
  private v4: Socket | undefined
  private v6: Socket | undefined
  private closed = false

  send(message: string | Buffer, host: string, port: number, onError: (e: Error) => void): void {
    if (this.closed) return
    const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
    const socket = isIPv6(bare) ? (this.v6 ??= this.open('udp6')) : (this.v4 ??= this.open('udp4'))
    socket.send(message, port, bare, (err) => {
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
