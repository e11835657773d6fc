/**
 * rate-limiting: counts requests per identifier in fixed UTC windows and
 * answers `error_code` once a period's limit is used up (the (limit+1)-th
 * request). Headers are set in access through the kit, so they land on the
 * proxied response and on the 429 alike. Counters: local, Redis on every
 * request (sync_rate -1), or local and synced with Redis (sync.ts).
 */
import { RATE_LIMITING, UNEXPECTED } from '../../errors.js'
import { definePhases, type Exit, type Kit } from '../types.js'
import { EMPTY_UUID, EXPIRATION, PERIOD_TITLE, windowStart, type Period, PERIODS } from '../shared/rate-limit/periods.js'
import { REDIS_CLIENTS } from '../shared/redis/client.js'
import { redisIncrBefore } from '../shared/rate-limit/redis-ops.js'
import { SYNC_RATE_REALTIME, type RateLimitingConfig } from './schema.js'
import { SYNC_GROUPS, type Counter } from './sync.js'

interface Limit {
  period: Period
  limit: number
  ttl: number
  limitHeader: string
  remainingHeader: string
  limitValue: string
}

export default definePhases<RateLimitingConfig>((conf, env) => {
  const limits: Limit[] = PERIODS.filter((p) => conf[p] !== undefined).map((period) => ({
    period,
    limit: conf[period]!,
    ttl: EXPIRATION[period],
    limitHeader: `X-RateLimit-Limit-${PERIOD_TITLE[period]}`,
    remainingHeader: `X-RateLimit-Remaining-${PERIOD_TITLE[period]}`,
    limitValue: String(conf[period]),
  }))
  // Kong keys counters by the instance's scope, so a global instance counts across routes.
  const prefix = `ratelimit:${env.plugin.route ?? EMPTY_UUID}:${env.plugin.service ?? EMPTY_UUID}:`
  const reject: Exit = RATE_LIMITING.exceeded(conf.error_code, conf.error_message)

  const identify = identifier(conf)
  const windowsAt = (now: number) => limits.map((l) => windowStart(l.period, now))
  const keysFor = (kit: Kit, windows: readonly number[]) => {
    const base = `${prefix}${identify(kit)}:`
    return limits.map((l, i) => `${base}${windows[i]}:${l.period}`)
  }

  // `used[i]` is the count before this request; returns the 429 or undefined.
  const decide = (kit: Kit, now: number, used: readonly number[]): Exit | undefined => {
    let stop = -1
    for (let i = 0; i < limits.length; i++) if (limits[i]!.limit - used[i]! <= 0) stop = i
    if (conf.hide_client_headers) return stop >= 0 ? reject : undefined
    let best = -1
    let bestRemaining = 0
    for (let i = 0; i < limits.length; i++) {
      const l = limits[i]!
      let remaining = l.limit - used[i]!
      if (stop < 0 || stop === i) remaining -= 1
      remaining = Math.max(0, remaining)
      // The most restrictive period: fewest remaining, then the longer window.
      if (best < 0 || remaining < bestRemaining || (remaining === bestRemaining && l.ttl > limits[best]!.ttl)) {
        best = i
        bestRemaining = remaining
      }
      kit.response.setHeader(l.limitHeader, l.limitValue)
      kit.response.setHeader(l.remainingHeader, String(remaining))
    }
    const b = limits[best]!
    const reset = String(Math.max(1, b.ttl - Math.floor((now - windowStart(b.period, now)) / 1000)))
    kit.response.setHeader('RateLimit-Limit', b.limitValue)
    kit.response.setHeader('RateLimit-Remaining', String(bestRemaining))
    kit.response.setHeader('RateLimit-Reset', reset)
    if (stop < 0) return undefined
    kit.response.setHeader('Retry-After', reset)
    return reject
  }

  const failed = (err: unknown): Exit | undefined => {
    const message = err instanceof Error ? err.message : String(err)
    if (conf.fault_tolerant) {
      env.log.error('failed to get usage', { err: message })
      return undefined
    }
    env.log.error('failed to get usage; answering 500 (fault_tolerant is false)', { err: message })
    return UNEXPECTED
  }

  const ttls = limits.map((l) => l.ttl)
  if (conf.policy === 'local') {
    // The node's counters: with --workers, one count for every worker (Kong's local policy is per node).
    const counters = env.node.counters
    const values = limits.map((l) => l.limit)
    return {
      access(kit) {
        // Kong reads the clock in whole seconds here.
        const now = Math.floor(Date.now() / 1000) * 1000
        // Checked and counted in one step; a refused request counts nothing, as in Kong.
        const taken = counters.take(keysFor(kit, windowsAt(now)), values, ttls)
        if (taken instanceof Promise) return taken.then((t) => decide(kit, now, t.used))
        return decide(kit, now, taken.used)
      },
    }
  }

  const redis = env.node.slot(REDIS_CLIENTS)
  if (conf.sync_rate === SYNC_RATE_REALTIME) {
    return {
      // Redis counts while it checks (INCR), so rejected requests count too, as in Kong.
      access(kit) {
        const now = Math.floor(Date.now() / 1000) * 1000
        return redisIncrBefore(redis, conf.redis, keysFor(kit, windowsAt(now)), ttls).then((used) => decide(kit, now, used), failed)
      },
    }
  }

  const synced = env.node.slot(SYNC_GROUPS).get(redis, conf.redis, conf.sync_rate, env.log)
  return {
    // Counted here, sent every sync_rate seconds; only accepted requests count, as in Kong.
    access(kit) {
      const now = Math.floor(Date.now() / 1000) * 1000
      const windows = windowsAt(now)
      const settle = (counters: Counter[]): Exit | undefined => {
        const exit = decide(
          kit,
          now,
          counters.map((c) => c.base + c.delta),
        )
        if (!exit) synced.count(counters)
        return exit
      }
      const counters = synced.usage(keysFor(kit, windows), ttls, windows)
      return Array.isArray(counters) ? settle(counters) : counters.then(settle, failed)
    },
  }
})

/** Kong's identifier rules; anything missing falls back to the client IP. */
function identifier(conf: RateLimitingConfig): (kit: Kit) => string {
  switch (conf.limit_by) {
    case 'consumer':
      return (kit) => kit.consumer?.id ?? kit.credential?.id ?? kit.request.clientIp
    case 'credential':
      return (kit) => kit.credential?.id ?? kit.request.clientIp
    case 'service':
      return (kit) => kit.service?.id ?? kit.request.clientIp
    case 'header': {
      const name = conf.header_name!.toLowerCase()
      return (kit) => kit.request.header(name) ?? kit.request.clientIp
    }
    case 'path': {
      const path = conf.path!
      return (kit) => (kit.request.path === path ? path : kit.request.clientIp)
    }
    case 'ip':
      return (kit) => kit.request.clientIp
  }
}
