/**
 * UDP stream sessions, as nginx's stream proxy keeps them under Kong: one
 * session per client address and port, routed on its first datagram (scheme
 * `udp`), with its own socket to the upstream target; datagrams are relayed
 * both ways and the session ends after proxy_timeout (Kong's
 * max(read_timeout, write_timeout)) without a datagram either way. Its log
 * phase runs then.
 *
 * Bounded: at most MAX_SESSIONS at once (datagrams of new clients beyond that
 * are dropped) and MAX_QUEUED datagrams held per session while its upstream
 * socket is being set up. A client whose first datagram matched no route, or
 * was refused by a preread plugin, gets a closed session that drops its
 * datagrams until it has been quiet for a while (one log line, not one per
 * datagram).
 */
import { createSocket, type RemoteInfo, type Socket as Dgram } from 'node:dgram'
import { isIPv6 } from 'node:net'
import type { Balancer, Peer } from '../../compile/balancer.js'
import { plainIp } from '../../compile/stream-router.js'
import { StreamSession } from './session.js'
import type { StreamContext } from './tcp.js'

export const MAX_SESSIONS = 10_000
export const MAX_QUEUED = 64
/** How long a refused client's datagrams are dropped without a word. */
const CLOSED_QUIET_MS = 10_000

interface UdpSession {
  send(msg: Buffer): void
  close(): void
}

export interface UdpListener {
  /** Stops taking new clients and ends every session (their log phase runs). */
  drain(): Promise<void>
  /** Ends every session now. */
  closeAll(): void
}

export function serveUdp(listener: Dgram, ctx: StreamContext): UdpListener {
  const sessions = new Map<string, UdpSession>()
  let draining = false
  let drained: (() => void) | undefined
  const forget = (key: string) => {
    sessions.delete(key)
    if (draining && sessions.size === 0) drained?.()
  }

  const closed = (key: string): UdpSession => {
    const timer = setTimeout(() => forget(key), CLOSED_QUIET_MS)
    return { send: () => timer.refresh(), close: () => (clearTimeout(timer), forget(key)) }
  }

  const open = (key: string, rinfo: RemoteInfo): UdpSession => {
    const rt = ctx.current()
    const addr = listener.address()
    const ends = { clientIp: plainIp(rinfo.address), clientPort: rinfo.port, serverAddr: plainIp(addr.address), serverPort: addr.port }
    const match = rt.streamRouter.match({ scheme: 'udp', srcIp: ends.clientIp, srcPort: ends.clientPort, dstIp: ends.serverAddr, dstPort: ends.serverPort })
    if (!match) {
      ctx.log('error', { client: ends.clientIp, server_port: ends.serverPort }, 'no Route found with those values')
      // Kong's exit(500) in preread: the global log plugins still see the session.
      const unrouted = new StreamSession(rt, undefined, undefined, 'udp', ends, undefined, ctx.log)
      unrouted.status = 500
      unrouted.finish()
      return closed(key)
    }
    const session = new StreamSession(rt, match.route, match.service, 'udp', ends, undefined, ctx.log)
    const service = match.service
    const refuse = (status: number, msg?: string) => {
      session.status = status
      if (msg) ctx.log('error', { route: match.route.name ?? match.route.id, client: ends.clientIp }, msg)
      session.finish()
      return closed(key)
    }
    if (session.preread()) return refuse(session.status)
    if (!service) return refuse(500, 'no service to proxy the stream route to')
    const balancer: Balancer | undefined = rt.balancers.get(service.host)
    let peer: Peer | undefined
    const start = Date.now()
    if (balancer) {
      const u = balancer.upstream
      peer = balancer.pick(undefined, u.hash_on === 'ip' || u.hash_fallback === 'ip' ? ends.clientIp : undefined)
      if (!peer) return refuse(503, 'failure to get a peer from the ring-balancer: no healthy target')
      balancer.acquire(peer)
    }
    const host = peer?.host ?? service.host
    const port = peer?.port ?? service.port
    session.tries.push({ ip: host, port, balancerStart: start, balancerLatency: 0 })
    const upstream = createSocket(isIPv6(host) ? 'udp6' : 'udp4')
    let queue: Buffer[] | undefined = []
    let over = false
    const idle = setTimeout(() => end(), Math.max(service.read_timeout, service.write_timeout))
    const end = (failed?: Error) => {
      if (over) return
      over = true
      clearTimeout(idle)
      upstream.close()
      if (failed) {
        session.status = 502
        ctx.log('error', { route: match.route.name ?? match.route.id, client: ends.clientIp, err: failed.message }, 'udp upstream failed')
      }
      if (balancer && peer) balancer.release(peer, failed ? { kind: 'tcp' } : { kind: 'connected' }, session.durationMs)
      session.finish()
      forget(key)
    }
    upstream.on('error', (e) => end(e))
    upstream.on('message', (msg) => {
      idle.refresh()
      session.upstreamReceived += msg.length
      try {
        listener.send(msg, rinfo.port, rinfo.address)
      } catch {
        // The listener closed under a late answer: nowhere to send it.
      }
    })
    upstream.connect(port, host, () => {
      session.markProxied()
      const held = queue ?? []
      queue = undefined
      for (const m of held) upstream.send(m)
    })
    return {
      send(msg) {
        if (over) return
        idle.refresh()
        session.received += msg.length
        if (queue) {
          if (queue.length < MAX_QUEUED) queue.push(msg)
          return
        }
        upstream.send(msg)
      },
      close: () => end(),
    }
  }

  listener.on('message', (msg, rinfo) => {
    const key = `${rinfo.address}|${rinfo.port}`
    let s = sessions.get(key)
    if (!s) {
      if (draining || sessions.size >= MAX_SESSIONS) return
      try {
        s = open(key, rinfo)
      } catch (e) {
        ctx.log('error', { client: rinfo.address, err: e }, 'udp session failed')
        return
      }
      sessions.set(key, s)
    }
    try {
      s.send(msg)
    } catch (e) {
      ctx.log('error', { client: rinfo.address, err: e }, 'udp session failed')
      s.close()
    }
  })
  // A send error on the listener (a client gone) must not end the process.
  listener.on('error', (e) => ctx.log('warn', { err: e.message }, 'udp listener error'))

  return {
    drain() {
      // A UDP session has no end of its own to wait for (only its idle timeout): each one ends now, logged.
      draining = true
      for (const s of [...sessions.values()]) s.close()
      if (sessions.size === 0) return Promise.resolve()
      return new Promise<void>((resolve) => (drained = resolve))
    },
    closeAll() {
      for (const s of [...sessions.values()]) s.close()
    },
  }
}
