/**
 * The upstream side of a stream session: which target, how it is reached, and
 * the retries. As Kong's stream proxy does (nginx's proxy_next_upstream for
 * streams): the service's host and port, or a target of the upstream its host
 * names (the Runtime's balancer, tried targets excluded); a failed connection
 * (refused, reset, TLS handshake failed, or connect_timeout passed) is tried
 * again up to `service.retries` times, each failure fed to the balancer's
 * passive health checks. `tls` services speak TLS to the target with
 * Runtime.tlsFor(service) (tls_verify, ca_certificates, client_certificate);
 * the server name sent is Kong's $upstream_host: the client's under
 * `preserve_host` (when it sent one), else the upstream's host_header or the
 * target's name, none for an IP address.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import type { Route, Service } from '../../config/model.js'
import type { Balancer, Peer } from '../../compile/balancer.js'
import type { Runtime } from '../../compile/runtime.js'
import { tlsConnectOptions } from '../../node/pools.js'
import type { StreamTry } from '../../plugins/types.js'

export interface Connected {
  socket: Socket
  /** The balancer and peer the connection counts against (released when the session ends). */
  balancer: Balancer | undefined
  peer: Peer | undefined
}

/** Why no connection was made: 503 when no target could be picked, 502 when every try failed. */
export interface NotConnected {
  status: 502 | 503
  error: string
}

/** The server name sent for `name` (a host, maybe with a port): none for an IP address (RFC 6066 3). */
function serverName(name: string): string | undefined {
  let host = name
  if (host.startsWith('[')) return undefined
  const colon = host.lastIndexOf(':')
  if (colon > 0 && host.indexOf(':') === colon) host = host.slice(0, colon)
  return isIP(host) ? undefined : host.toLowerCase()
}

/** One connection attempt within connect_timeout (TCP connect and, for tls, the handshake). */
function attempt(rt: Runtime, service: Service, host: string, port: number, servername: string | undefined): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const tls = service.protocol === 'tls'
    const socket: Socket = tls
      ? tlsConnect({ host, port, ...(servername ? { servername } : {}), ...tlsConnectOptions(rt.tlsFor(service)) })
      : netConnect({ host, port })
    const timer = setTimeout(() => {
      socket.destroy()
      reject(
        Object.assign(new Error(`upstream timed out (connect_timeout ${service.connect_timeout} ms) while connecting to ${host}:${port}`), { timeout: true }),
      )
    }, service.connect_timeout)
    const fail = (err: Error) => {
      clearTimeout(timer)
      socket.destroy()
      reject(err)
    }
    socket.once('error', fail)
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer)
      socket.removeListener('error', fail)
      resolve(socket)
    })
  })
}

/**
 * Connects to the service's upstream, retrying failed connections; `tries`
 * receives one entry per attempt. `clientIp` is what consistent hashing on
 * `ip` hashes; `sni` the client's server name (sent under preserve_host).
 */
export async function connectUpstream(
  rt: Runtime,
  route: Route,
  service: Service,
  clientIp: string,
  sni: string | undefined,
  tries: StreamTry[],
): Promise<Connected | NotConnected> {
  const balancer = rt.balancers.get(service.host)
  const upstream = balancer?.upstream
  const hashValue = upstream && (upstream.hash_on === 'ip' || upstream.hash_fallback === 'ip') ? clientIp : undefined
  const tried = new Set<string>()
  let lastError = 'no connection was tried'
  for (let n = 0; n <= service.retries; n++) {
    const start = Date.now()
    const t0 = performance.now()
    let peer: Peer | undefined
    let host = service.host
    let port = service.port
    if (balancer) {
      peer = balancer.pick(tried, hashValue) ?? (tried.size > 0 ? balancer.pick(undefined, hashValue) : undefined)
      if (!peer) return { status: 503, error: `failure to get a peer from the ring-balancer: ${n === 0 ? 'no healthy target' : lastError}` }
      host = peer.host
      port = peer.port
      tried.add(peer.id)
    }
    const balancerLatency = performance.now() - t0
    // Kong's $upstream_host: the client's name under preserve_host (when it sent one), else host_header or the target.
    const servername = route.preserve_host && sni ? sni : serverName(upstream?.host_header ?? host)
    if (balancer && peer) balancer.acquire(peer)
    try {
      const socket = await attempt(rt, service, host, port, servername)
      tries.push({ ip: host, port, balancerStart: start, balancerLatency })
      return { socket, balancer, peer }
    } catch (e) {
      const timeout = (e as { timeout?: boolean }).timeout === true
      tries.push({ ip: host, port, balancerStart: start, balancerLatency, failed: timeout ? 504 : 502 })
      if (balancer && peer) balancer.release(peer, timeout ? { kind: 'timeout' } : { kind: 'tcp' }, Date.now() - start)
      lastError = `${(e as Error).message} (${host}:${port})`
    }
  }
  return { status: 502, error: lastError }
}
