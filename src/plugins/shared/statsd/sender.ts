/**
 * Sends one batch of StatsD lines, as Kong's statsd logger does per queue
 * flush: over UDP, one line per datagram, or lines joined with "\n" into
 * datagrams of at most `udp_packet_size` bytes (Kong's buffer-and-send, quirks
 * included); or over TCP, each line followed by "\n" on one connection per
 * batch. UDP goes through the node's shared sender (shared/udp-sender.ts):
 * Kong opens a socket per batch; the datagrams on the wire are the same.
 */
import { connect } from 'node:net'
import type { PluginLog } from '../../types.js'
import { socketError } from '../socket-errors.js'
import type { UdpSender } from '../udp-sender.js'

const bare = (host: string) => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host)

/**
 * Kong's buffer-and-send over one batch: lines are joined with "\n" while
 * they fit in `size` bytes; the one that does not fit starts the next packet.
 * As in Kong, a line longer than `size` arriving on an empty buffer is held
 * for the next packet (after a warning) rather than sent alone, and the
 * buffer's count leaves out the separator after a packet was cut.
 */
export function packets(lines: readonly string[], size: number, tooSmall: (length: number) => void): string[] {
  if (size <= 0) return [...lines]
  const out: string[] = []
  let buffer: string[] = []
  let bytes = 0
  for (const line of lines) {
    const length = Buffer.byteLength(line)
    const next = bytes + length
    if (next > size) {
      const wasEmpty = bytes === 0
      if (wasEmpty) tooSmall(length)
      const packet = buffer.join('\n')
      buffer = [line]
      bytes = length
      if (!wasEmpty) out.push(packet)
    } else {
      buffer.push(line)
      bytes = next + 1
    }
  }
  if (bytes > 0) out.push(buffer.join('\n'))
  return out
}

export interface Destination {
  host: string
  port: number
  /** For log lines: Kong's statsd writes `[statsd] ` before them, datadog nothing. */
  label: string
}

/** Sends each packet as one datagram; a failed send is logged (Kong goes on with the next), a name that does not resolve fails the batch. */
export async function sendUdp(sender: UdpSender, to: Destination, packetsToSend: readonly string[], log: PluginLog): Promise<void> {
  const { unresolved, failed } = await sender.sendAll(packetsToSend, to.host, to.port)
  if (unresolved) throw new Error(`failed to connect to ${to.host}:${to.port}: ${socketError(unresolved)}`, { cause: unresolved })
  for (const err of failed) log.error(`${to.label}failed to send data to ${to.host}:${to.port}: ${socketError(err)}`)
}

/** Kong's TCP timeout for the statsd connection (ms). */
const TCP_TIMEOUT = 1000

/** One connection for the batch: each line then "\n". A failed connect rejects (the queue retries the batch). */
export function sendTcp(to: Destination, lines: readonly string[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const sock = connect({ host: bare(to.host), port: to.port })
    let connected = false
    sock.setTimeout(TCP_TIMEOUT, () => sock.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })))
    sock.once('error', (e) => {
      const what = connected ? 'failed to send data to' : 'failed to connect to'
      reject(new Error(`${what} ${to.host}:${to.port}: ${socketError(e)}`, { cause: e }))
    })
    sock.once('connect', () => {
      connected = true
      sock.end(lines.map((l) => `${l}\n`).join(''), () => {
        sock.destroy()
        resolve()
      })
    })
  })
}
