/**
 * Sends sampled spans to the Zipkin server (Kong's kong/plugins/zipkin/
 * reporter.lua): each span goes on the plugin's queue (shared/queue.ts) and
 * batches are POSTed as a JSON array. Nothing on the request path waits for
 * the server; failures are retried by the queue and logged in Kong's words.
 */
import { STATUS_CODES } from 'node:http'
import { Pool } from 'undici'
import { LOG_QUEUES, type BatchHandler } from '../shared/queue.js'
import { nodeSlot, type PluginEnv } from '../types.js'
import type { ZipkinConfig } from './schema.js'
import { toZipkin, type Span, type ZipkinSpan } from './span.js'

// One pool per server and timeouts, shared by the instances and kept across reloads.
const POOLS = nodeSlot(
  'zipkin:pools',
  () => new Map<string, Pool>(),
  async (pools) => {
    const all = [...pools.values()]
    pools.clear()
    await Promise.allSettled(all.map((p) => p.close()))
  },
)

// Kong reports the cosocket's words (`timeout`, `connection refused`, ...); undici's codes map onto them.
const COSOCKET: Readonly<Record<string, string>> = {
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  ETIMEDOUT: 'timeout',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  UND_ERR_SOCKET: 'closed',
}

const errorText = (e: unknown): string => {
  const code = (e as { code?: unknown } | undefined)?.code
  return (typeof code === 'string' ? COSOCKET[code] : undefined) ?? (e instanceof Error ? e.message : String(e))
}

export type Report = (span: Span) => void

/** The instance's reporter; without `http_endpoint` spans are made but go nowhere, as in Kong. */
export function reporter(conf: ZipkinConfig, env: PluginEnv): Report {
  const endpoint = conf.http_endpoint
  if (endpoint == null) return () => {}
  const url = new URL(endpoint)
  const pools = env.node.slot(POOLS)
  const poolKey = `${url.origin}|${conf.connect_timeout}|${conf.send_timeout}|${conf.read_timeout}`
  let pool = pools.get(poolKey)
  if (!pool) {
    // A timeout of 0 is none (undici's meaning of 0). Node has no send timeout of its own: writes are bounded by the read timeout.
    pool = new Pool(url.origin, {
      headersTimeout: conf.read_timeout,
      bodyTimeout: conf.read_timeout,
      connect: { timeout: conf.connect_timeout, rejectUnauthorized: false },
    })
    pools.set(poolKey, pool)
  }
  const path = `${url.pathname || '/'}${url.search}`
  const auth =
    url.username !== '' || url.password !== ''
      ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`
      : undefined
  const p = pool
  const send: BatchHandler<ZipkinSpan> = async (spans) => {
    env.log.debug(`zipkin batch size: ${spans.length}`)
    const body = JSON.stringify(spans)
    const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }
    if (auth) headers.authorization = auth
    let res
    try {
      res = await p.request({ method: 'POST', path, headers, body })
    } catch (e) {
      throw new Error(`zipkin request failed: ${errorText(e)}`, { cause: e })
    }
    await res.body.dump().catch(() => {})
    if (res.statusCode < 200 || res.statusCode >= 300) {
      throw new Error(`zipkin server responded unexpectedly: ${res.statusCode} ${STATUS_CODES[res.statusCode] ?? ''}`)
    }
  }
  const queues = env.node.slot(LOG_QUEUES)
  // Kong's queue of a plugin instance is named after the plugin and the instance.
  const key = `zipkin:${env.plugin.id}:${poolKey}:${path}`
  const name = `zipkin ${env.plugin.id}`
  const local = conf.local_service_name
  const fallback = conf.default_service_name ?? undefined
  return (span) => {
    if (!span.shouldSample) return
    if (!queues.get(key, name, conf.queue, send, env.log).enqueue(toZipkin(span, local, fallback))) env.log.error('failed to enqueue span')
  }
}
