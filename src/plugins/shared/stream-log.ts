/**
 * Kong's `kong.log.serialize()` in its stream subsystem (kong/pdk/log.lua):
 * the record file-log and http-log write for a stream session. Key order and
 * types are Kong's: `session` (tls, bytes received and sent, status,
 * server_port), `upstream` (bytes), `latencies` (kong, session), `tries`,
 * the route and service rows, `client_ip`, `started_at`, the workspace.
 * Streams have no consumer, request or response.
 */
import type { StreamKit } from '../types.js'
import { DEFAULT_WORKSPACE_ID, DEFAULT_WORKSPACE_NAME, routeRecord, serviceRecord } from './log-serializer.js'

// The listener never asks for a client certificate: nginx's $ssl_client_verify is NONE.
const CLIENT_VERIFY = 'NONE'

export interface StreamLogRecord {
  session: {
    tls?: { version: string; cipher: string; client_verify: string }
    received: number
    sent: number
    status: number
    server_port: number
  }
  upstream: { received: number; sent: number }
  latencies: { kong: number; session: number }
  tries?: {
    balancer_start: number
    balancer_start_ns: number
    ip: string
    port: number
    balancer_latency: number
    balancer_latency_ns: number
    state?: 'failed'
    code?: number
  }[]
  route?: Record<string, unknown>
  service?: Record<string, unknown>
  client_ip: string
  started_at: number
  workspace: string
  workspace_name: string
}

export function serializeStream(kit: StreamKit): StreamLogRecord {
  const s = kit.session
  const tls = kit.tls
  return {
    session: {
      tls: tls && { version: tls.version, cipher: tls.cipher, client_verify: CLIENT_VERIFY },
      received: s.received,
      sent: s.sent,
      status: s.status,
      server_port: kit.serverPort,
    },
    upstream: { received: s.upstreamReceived, sent: s.upstreamSent },
    latencies: { kong: Math.round(s.kongLatency), session: Math.round(s.durationMs) },
    tries:
      s.tries.length > 0
        ? s.tries.map((t) => ({
            balancer_start: Math.floor(t.balancerStart),
            balancer_start_ns: Math.round(t.balancerStart * 1e6),
            ip: t.ip,
            port: t.port,
            balancer_latency: Math.round(t.balancerLatency),
            balancer_latency_ns: Math.round(t.balancerLatency * 1e6),
            ...(t.failed !== undefined ? { state: 'failed' as const, code: t.failed } : {}),
          }))
        : undefined,
    route: kit.route && routeRecord(kit.route),
    service: kit.service && serviceRecord(kit.service),
    client_ip: kit.clientIp,
    started_at: kit.startedAt,
    workspace: DEFAULT_WORKSPACE_ID,
    workspace_name: DEFAULT_WORKSPACE_NAME,
  }
}
