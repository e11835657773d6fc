/**
 * Sends one batch of StatsD lines, as Kong's statsd logger does per queue
 * flush: over UDP, one line per datagram, or lines joined with "\n" into
 * datagrams of at most `udp_packet_size` bytes (Kong's buffer-and-send, quirks
 * included); or over TCP, each line followed by "\n" on one connection per
 * batch. UDP sockets are connected once per host and port and kept on the
 * node (Kong opens one per batch: the lines on the wire are the same, without
 * a socket per request here).
 */
import { createSocket, type Socket } from 'node:dgram'
import { connect, isIPv6 } from 'node:net'
import { nodeSlot, type PluginLog } from '../../types.js'

/** The node's connected UDP sockets, by `host|port`. */
export const UDP_SOCKETS = nodeSlot(
  'statsd:udp',
  () => new Map<string, Promise<Socket>>(),
  async (sockets) => {
    const all = [...sockets.values()]
    sockets.clear()
    await Promise.allSettled(all.map(async (p) => (await p).close()))
  },
)

// Kong's errors are the cosocket's words; Node's codes map onto them.
const COSOCKET_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EPIPE: 'broken pipe',
  ETIMEDOUT: 'timeout',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
}

export function cosocketError(e: unknown): string {
  const code = (e as { code?: unknown } | undefined)?.code
  const text = typeof code === 'string' ? COSOCKET_ERRORS[code] : undefined
  return text ?? (e instanceof Error ? e.message : String(e))
}

const bare = (host: string) => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host)

/** A UDP socket connected to host:port (Kong's setpeername), made once and kept; rejects when the name does not resolve. */
export function udpSocket(sockets: Map<string, Promise<Socket>>, host: string, port: number): Promise<Socket> {
  const key = `${host}|${port}`
  const known = sockets.get(key)
  if (known) return known
  const made = new Promise<Socket>((resolve, reject) => {
    const s = createSocket(isIPv6(bare(host)) ? 'udp6' : 'udp4')
    s.unref()
    const fail = (e: Error) => {
      if (sockets.get(key) === made) sockets.delete(key)
      s.close()
      reject(e)
    }
    s.once('error', fail)
    s.connect(port, bare(host), () => {
      s.off('error', fail)
      // A later socket error drops it; the next batch connects anew.
      s.on('error', () => {
        if (sockets.get(key) === made) sockets.delete(key)
        s.close()
      })
      resolve(s)
    })
  })
  sockets.set(key, made)
  return made
}

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

/** Sends each packet as one datagram; a failed send is logged (Kong goes on with the next). */
export async function sendUdp(sockets: Map<string, Promise<Socket>>, to: Destination, packetsToSend: readonly string[], log: PluginLog): Promise<void> {
  let socket: Socket
  try {
    socket = await udpSocket(sockets, to.host, to.port)
  } catch (e) {
    throw new Error(`failed to connect to ${to.host}:${to.port}: ${cosocketError(e)}`, { cause: e })
  }
  await Promise.all(
    packetsToSend.map(
      (p) =>
        new Promise<void>((resolve) => {
          socket.send(p, (err) => {
            if (err) log.error(`${to.label}failed to send data to ${to.host}:${to.port}: ${cosocketError(err)}`)
            resolve()
          })
        }),
    ),
  )
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
      reject(new Error(`${what} ${to.host}:${to.port}: ${cosocketError(e)}`, { cause: e }))
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
