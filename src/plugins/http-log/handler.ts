/**
 * http-log: each request's log record, JSON-encoded in the log phase, goes on
 * a bounded queue (log-queue.ts) and is sent from there: one object per request
 * when max_batch_size is 1, else a JSON array. Nothing here waits on the log
 * server; a down server fills the queue, which then drops its oldest entries.
 */
import { createHash } from 'node:crypto'
import { Pool } from 'undici'
import { logEntries } from '../shared/log-fields.js'
import { socketError } from '../shared/socket-errors.js'
import { serializeStream } from '../shared/stream-log.js'
import { legacyQueueParams } from '../shared/queue-legacy.js'
import { LOG_QUEUES, type BatchHandler } from '../shared/queue.js'
import { definePhases, nodeSlot } from '../types.js'
import type { HttpLogConfig } from './schema.js'

// One connection pool per log server (and connection settings), shared by every instance and kept across reloads.
const LOG_POOLS = nodeSlot(
  'http-log:pools',
  () => new Map<string, Pool>(),
  async (pools) => {
    const all = [...pools.values()]
    pools.clear()
    await Promise.allSettled(all.map((p) => p.close()))
  },
)

function poolFor(pools: Map<string, Pool>, origin: string, keepalive: number, timeout: number): Pool {
  const key = `${origin}|${keepalive}|${timeout}`
  let pool = pools.get(key)
  if (!pool) {
    pool = new Pool(origin, {
      keepAliveTimeout: Math.max(1, keepalive),
      keepAliveMaxTimeout: Math.max(1, keepalive),
      headersTimeout: timeout,
      bodyTimeout: timeout,
      // Kong does not verify the log server's certificate (ssl_verify = false).
      connect: { timeout, rejectUnauthorized: false },
    })
    pools.set(key, pool)
  }
  return pool
}

const MAX_BODY_IN_ERROR = 512

export default definePhases<HttpLogConfig>((conf, env) => {
  const url = new URL(conf.http_endpoint)
  const port = url.port || (url.protocol === 'https:' ? '443' : '80')
  const where = `${url.hostname}:${port}`
  const path = `${url.pathname || '/'}${url.search}`
  const pool = poolFor(env.node.slot(LOG_POOLS), url.origin, conf.keepalive, conf.timeout)
  const queues = env.node.slot(LOG_QUEUES)
  const params = legacyQueueParams('http-log', conf, env.log)
  const batched = params.max_batch_size !== 1

  // The schema keeps Host, Content-Length and Content-Type out of `headers`, and Authorization when the URL has user info.
  const fixed: Record<string, string> = { ...conf.headers, 'content-type': conf.content_type }
  if (url.username !== '' || url.password !== '') {
    const userinfo = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
    fixed.authorization = `Basic ${Buffer.from(userinfo).toString('base64')}`
  }

  const send: BatchHandler = async (entries) => {
    const body = batched ? `[${entries.join(',')}]` : entries[0]!
    let res
    try {
      res = await pool.request({ method: conf.method, path, headers: { ...fixed, 'content-length': String(Buffer.byteLength(body)) }, body })
    } catch (e) {
      throw new Error(`failed request to ${where}: ${socketError(e)}`, { cause: e })
    }
    const text = await res.body.text().catch(() => '')
    if (res.statusCode >= 300) {
      throw new Error(`request to ${where} returned status code ${res.statusCode} and body ${text.slice(0, MAX_BODY_IN_ERROR)}`)
    }
  }

  // Instances with the same server and queue settings share one queue (Kong shares by server settings).
  // Hashed: the settings hold credentials.
  const key = createHash('sha256')
    .update(JSON.stringify([url.href, conf.method, conf.content_type, conf.timeout, conf.keepalive, fixed, params]))
    .digest('hex')
  // Shown in logs: the endpoint without its user info.
  const name = `${conf.method} ${url.origin}${url.pathname}`

  const entries = logEntries(conf.custom_fields_by_lua, env)
  const enqueue = (entry: string) => {
    if (!queues.get(key, name, params, send, env.log).enqueue(entry)) env.log.error('Failed to enqueue log entry to log server')
  }

  return {
    log(kit) {
      const record = entries(kit)
      if (record === undefined) return
      enqueue(JSON.stringify(record))
    },
    // Stream sessions: Kong's stream record (custom_fields_by_lua is not applied there: README).
    streamLog(kit) {
      enqueue(JSON.stringify(serializeStream(kit)))
    },
  }
})
