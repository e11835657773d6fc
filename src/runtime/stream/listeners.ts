/**
 * The stream listeners (Kong's `stream_listen`, off by default): parsing the
 * entries, opening them, and closing them gracefully. An entry is
 * `HOST:PORT` followed by flags: `ssl` (TLS, terminated or passed through
 * per route), `udp`; Kong's `reuseport`, `bind`, `backlog=N`,
 * `ipv6only=on|off` and `so_keepalive=...` are accepted (backlog and ipv6only
 * are applied, the others are how nginx binds and mean nothing here);
 * `proxy_protocol` is refused: the gateway does not read the PROXY protocol.
 *
 * Closing: the listeners stop taking connections (UDP: new clients); open
 * sessions finish on their own, and are cut when the drain timeout passes.
 */
import { createSocket } from 'node:dgram'
import { createServer, isIPv6, type AddressInfo, type Server, type Socket } from 'node:net'
import { handleTcp, type StreamContext } from './tcp.js'
import { serveUdp, type UdpListener } from './udp.js'

export interface StreamListenSpec {
  host: string
  port: number
  ssl: boolean
  udp: boolean
  backlog: number | undefined
  ipv6Only: boolean | undefined
}

const USAGE = 'must be of form: [off] | <ip>:<port> [udp] [ssl] [bind] [reuseport] [backlog=%d+] [ipv6only=on|off] [so_keepalive=on|off|...]'

/** One `stream_listen` entry; throws with Kong's usage text when it is not one. */
export function parseStreamListen(entry: string): StreamListenSpec {
  const words = entry.trim().split(/\s+/)
  const addr = words.shift() ?? ''
  const m = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d+)$/.exec(addr)
  if (!m || Number(m[3]) > 65535) throw new Error(`invalid stream_listen entry '${entry}': ${USAGE}`)
  const spec: StreamListenSpec = { host: m[1] ?? m[2]!, port: Number(m[3]), ssl: false, udp: false, backlog: undefined, ipv6Only: undefined }
  for (const w of words) {
    if (w === 'ssl') spec.ssl = true
    else if (w === 'udp') spec.udp = true
    else if (w === 'bind' || w === 'reuseport' || /^so_keepalive=(on|off|\w*:\w*:\d*)$/.test(w)) continue
    else if (/^backlog=\d+$/.test(w)) spec.backlog = Number(w.slice(8))
    else if (w === 'ipv6only=on' || w === 'ipv6only=off') spec.ipv6Only = w === 'ipv6only=on'
    else if (w === 'proxy_protocol') throw new Error(`invalid stream_listen entry '${entry}': proxy_protocol is not supported by this gateway`)
    else throw new Error(`invalid stream_listen entry '${entry}': ${USAGE}`)
  }
  // nginx: the "ssl" parameter is incompatible with "udp".
  if (spec.ssl && spec.udp) throw new Error(`invalid stream_listen entry '${entry}': "ssl" parameter is incompatible with "udp"`)
  return spec
}

/** Kong's comma-separated `stream_listen` (`off`: none) as entries. */
export function splitStreamListen(value: string): string[] {
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)
  return entries[0] === 'off' ? [] : entries
}

export interface StreamListeners {
  /** `host:port` actually bound, with ` ssl` / ` udp` as given, in the order given. */
  readonly bound: readonly string[]
  /** Stops taking sessions; open ones finish, and are cut after `drainMs`. */
  close(drainMs: number): Promise<void>
}

const label = (a: AddressInfo) => (a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`)

export async function startStreamListeners(specs: readonly StreamListenSpec[], ctx: StreamContext): Promise<StreamListeners> {
  const servers: { server: Server; sockets: Set<Socket> }[] = []
  const udps: { close(): void; listener: UdpListener }[] = []
  const bound: string[] = []
  // Cuts what is still open (the drain timeout passed, or the start failed).
  const cut = () => {
    for (const s of servers) for (const c of s.sockets) c.destroy()
    for (const u of udps) {
      u.listener.closeAll()
      u.close()
    }
  }
  try {
    for (const spec of specs) {
      if (spec.udp) {
        const sock = createSocket({ type: isIPv6(spec.host) ? 'udp6' : 'udp4', ...(spec.ipv6Only !== undefined ? { ipv6Only: spec.ipv6Only } : {}) })
        await new Promise<void>((resolve, reject) => {
          sock.once('error', reject)
          sock.bind(spec.port, spec.host, () => {
            sock.removeListener('error', reject)
            resolve()
          })
        })
        let open = true
        const close = () => {
          if (open) sock.close()
          open = false
        }
        udps.push({ close, listener: serveUdp(sock, ctx) })
        bound.push(`${label(sock.address())} udp`)
        continue
      }
      const sockets = new Set<Socket>()
      const ssl = spec.ssl
      const server = createServer((socket) => {
        sockets.add(socket)
        socket.once('close', () => sockets.delete(socket))
        try {
          handleTcp(socket, ctx, ssl)
        } catch (e) {
          // A bug of ours ends this connection, never the process.
          ctx.log('error', { err: e }, 'stream connection failed')
          socket.destroy()
        }
      })
      server.on('error', (e) => ctx.log('error', { err: e.message }, 'stream listener error'))
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(
          {
            host: spec.host,
            port: spec.port,
            ...(spec.backlog !== undefined ? { backlog: spec.backlog } : {}),
            ...(spec.ipv6Only !== undefined ? { ipv6Only: spec.ipv6Only } : {}),
          },
          () => {
            server.removeListener('error', reject)
            resolve()
          },
        )
      })
      servers.push({ server, sockets })
      bound.push(`${label(server.address() as AddressInfo)}${ssl ? ' ssl' : ''}`)
    }
  } catch (e) {
    for (const s of servers) s.server.close()
    cut()
    throw e
  }
  let closing: Promise<void> | undefined
  return {
    bound,
    close(drainMs) {
      return (closing ??= (async () => {
        const drained = Promise.all([
          ...servers.map(
            (s) =>
              new Promise<void>((resolve) => {
                s.server.close(() => resolve())
              }),
          ),
          ...udps.map((u) => u.listener.drain()),
        ])
        const timer = setTimeout(cut, drainMs)
        await drained
        clearTimeout(timer)
        for (const u of udps) u.close()
      })())
    },
  }
}
