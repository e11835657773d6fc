/**
 * Where a try goes, worked out once per (service, target) and kept for the
 * life of the Runtime: the origin, the Host header Kong sends (the target's
 * name, or the upstream's host_header, with the port unless it is the
 * scheme's default), the TLS server name, and the node's keep-alive pool for
 * them. A request only looks its destination up; nothing is built per
 * request unless `preserve_host` sends the client's Host or a plugin sets one
 * (over TLS, that name is the SNI too, as Kong's proxy_ssl_name $upstream_host),
 * or a plugin set a target of its own. gRPC services get HTTP/2 pools
 * (node/pools.ts).
 */
import { isIP } from 'node:net'
import type { Pool } from 'undici'
import type { Service } from '../config/model.js'
import type { UpstreamTls } from '../node/pools.js'
import type { NodeState } from '../node/state.js'
import type { Peer } from './balancer.js'

export interface Destination {
  readonly host: string
  readonly port: number
  readonly tls: boolean
  /** `scheme://host:port` */
  readonly origin: string
  /** The Host header when the route does not preserve the client's. */
  readonly hostHeader: string
  readonly pool: Pool
}

export interface RuntimeTargets {
  /** The destination of a try to the service's own host (`peer` undefined) or to a balancer's target. */
  of(service: Service, peer: Peer | undefined, hostHeader: string | undefined): Destination
  /** A destination built for this request only (kong.service.set_target; a scheme as kong.service.request.set_scheme). */
  direct(service: Service, host: string, port: number, scheme?: 'http' | 'https'): Destination
  /** The pool for a destination reached with another TLS server name (the client's Host under preserve_host, a plugin's Host). */
  withServername(service: Service, d: Destination, servername: string): Pool
}

/**
 * The TLS server name for a Host value: none for an IP address, which SNI
 * cannot carry (RFC 6066 3), as Kong sends none to an IP-address upstream
 * (spec/02-integration/05-proxy/06-ssl_spec.lua:557).
 */
function sniOf(host: string): string | undefined {
  const name = nameOf(host)
  return isIP(name.startsWith('[') ? name.slice(1, -1) : name) ? undefined : name
}

/** Host without a trailing `:port` (IPv6 literals keep their brackets). */
function nameOf(host: string): string {
  const h = host.toLowerCase()
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1)
  return /:\d+$/.test(h) ? h.slice(0, h.lastIndexOf(':')) : h
}

/** A gRPC service: reached over HTTP/2, as nginx's grpc_pass does. */
export function isGrpc(service: Service): boolean {
  return service.protocol === 'grpc' || service.protocol === 'grpcs'
}

/**
 * The Host header Kong sends a target without preserve_host: the upstream's
 * host_header, else the target's name, with the port unless it is the scheme's.
 */
export function hostHeaderOf(host: string, port: number, tls: boolean, hostHeader: string | undefined): string {
  const name = hostHeader ?? host
  return port === (tls ? 443 : 80) || /:\d+$/.test(name) ? name : `${name}:${port}`
}

export function runtimeTargets(node: NodeState, tlsFor: (service: Service) => UpstreamTls | undefined): RuntimeTargets {
  const cache = new WeakMap<Service, Map<Peer | undefined, Destination>>()
  const poolFor = (service: Service, origin: string, servername: string | undefined) =>
    node.pools.get({ origin, connectTimeout: service.connect_timeout, servername, tls: tlsFor(service), h2: isGrpc(service) })
  const build = (service: Service, host: string, port: number, hostHeader: string | undefined, scheme?: 'http' | 'https'): Destination => {
    const tls = scheme !== undefined ? scheme === 'https' : service.protocol === 'https' || service.protocol === 'grpcs'
    const header = hostHeaderOf(host, port, tls, hostHeader)
    const origin = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`
    return { host, port, tls, origin, hostHeader: header, pool: poolFor(service, origin, tls ? sniOf(header) : undefined) }
  }
  return {
    of(service, peer, hostHeader) {
      let byPeer = cache.get(service)
      if (!byPeer) cache.set(service, (byPeer = new Map()))
      let d = byPeer.get(peer)
      if (!d) byPeer.set(peer, (d = peer ? build(service, peer.host, peer.port, hostHeader) : build(service, service.host, service.port, undefined)))
      return d
    },
    direct: (service, host, port, scheme) => build(service, host, port, undefined, scheme),
    withServername: (service, d, servername) => poolFor(service, d.origin, sniOf(servername)),
  }
}
