/**
 * response-ratelimiting: the upstream spends named limits through a response
 * header (`x-kong-limit: videos=1, images=2`). access tells the upstream what
 * is left (X-RateLimit-Remaining-<name>) and may refuse early; header_filter
 * reads and removes the header, sets the client headers and turns the
 * response into a bodiless 429 when it spends an exhausted limit; log counts.
 */
import { RESPONSE_RATELIMITING, UNEXPECTED } from '../../errors.js'
import { definePhases, type Exit, type Kit } from '../types.js'
import { EMPTY_UUID, EXPIRATION, PERIODS, windowStart, type Period } from '../shared/rate-limit/periods.js'
import { REDIS_CLIENTS } from '../shared/redis/client.js'
import { redisGet, redisIncrBy } from '../shared/rate-limit/redis-ops.js'
import type { ResponseRateLimitingConfig } from './schema.js'

const EMPTY = Buffer.alloc(0)

interface Slot {
  name: string
  period: Period
  limit: number
  limitHeader: string
  remainingHeader: string
}

/** What access learned, for the later phases of the same request. */
interface State {
  identifier: string
  now: number
  /** remaining[i] for slots[i]. */
  remaining: number[]
  increments: Map<string, number> | undefined
  blocked: boolean
}

export default definePhases<ResponseRateLimitingConfig>((conf, env) => {
  const names = Object.keys(conf.limits)
  const slots: Slot[] = names.flatMap((name) =>
    PERIODS.filter((p) => conf.limits[name]![p] !== undefined).map((period) => ({
      name,
      period,
      limit: conf.limits[name]![period]!,
      limitHeader: `X-RateLimit-Limit-${name}-${period}`,
      remainingHeader: `X-RateLimit-Remaining-${name}-${period}`,
    })),
  )
  const prefix = `response-ratelimit:${env.plugin.route ?? EMPTY_UUID}:${env.plugin.service ?? EMPTY_UUID}:`
  const keyOf = (s: { name: string; period: Period }, identifier: string, now: number) =>
    `${prefix}${identifier}:${windowStart(s.period, now)}:${s.name}:${s.period}`
  const headerName = conf.header_name.toLowerCase()
  const states = new WeakMap<Kit, State>()
  // The node's counters: with --workers, one count for every worker (Kong's local policy is per node).
  const counters = env.node.counters
  const redis = env.node.slot(REDIS_CLIENTS)

  const identify = (kit: Kit): string => {
    if (conf.limit_by === 'consumer') return kit.consumer?.id ?? kit.credential?.id ?? kit.request.clientIp
    if (conf.limit_by === 'credential') return kit.credential?.id ?? kit.request.clientIp
    return kit.request.clientIp
  }

  const usage = (keys: string[]): number[] | Promise<number[]> => (conf.policy === 'local' ? counters.get(keys) : redisGet(redis, conf.redis, keys))

  const increment = (identifier: string, now: number, name: string, by: number): void => {
    const own = slots.filter((s) => s.name === name)
    const keys = own.map((s) => keyOf(s, identifier, now))
    const ttls = own.map((s) => EXPIRATION[s.period])
    if (conf.policy === 'local') return counters.add(keys, by, ttls)
    redisIncrBy(redis, conf.redis, keys, ttls, by).catch((err: unknown) =>
      env.log.error('failed to increment counters', { err: err instanceof Error ? err.message : String(err) }),
    )
  }

  const proceed = (kit: Kit, identifier: string, now: number, used: readonly number[]): Exit | undefined => {
    const remaining = slots.map((s, i) => s.limit - used[i]!)
    for (const name of names) {
      let least: number | undefined
      for (let i = 0; i < slots.length; i++) {
        if (slots[i]!.name !== name) continue
        const r = remaining[i]!
        if (conf.block_on_first_violation && r === 0) return RESPONSE_RATELIMITING.exceeded(name)
        if (least === undefined || r < least) least = r
      }
      kit.upstream.setHeader(`X-RateLimit-Remaining-${name}`, String(least))
    }
    states.set(kit, { identifier, now, remaining, increments: undefined, blocked: false })
    return undefined
  }

  const failed = (err: unknown): Exit | undefined => {
    const message = err instanceof Error ? err.message : String(err)
    env.log.error('failed to get usage', { err: message })
    return conf.fault_tolerant ? undefined : UNEXPECTED
  }

  return {
    access(kit) {
      if (slots.length === 0) return undefined
      const now = Date.now()
      const identifier = identify(kit)
      const keys = slots.map((s) => keyOf(s, identifier, now))
      try {
        const used = usage(keys)
        if (Array.isArray(used)) return proceed(kit, identifier, now, used)
        return used.then((u) => proceed(kit, identifier, now, u), failed)
      } catch (err) {
        return failed(err)
      }
    },

    headerFilter(kit) {
      const state = states.get(kit)
      if (!state) return kit.response.skipBody()
      const increments = kit.response.source === 'service' ? parseIncrements(kit.response.headers[headerName], conf.limits) : new Map<string, number>()
      state.increments = increments
      let stop = false
      for (let i = 0; i < slots.length; i++) {
        const s = slots[i]!
        const inc = increments.get(s.name)
        const remaining = state.remaining[i]!
        if (!conf.hide_client_headers) {
          kit.response.setHeader(s.limitHeader, String(s.limit))
          kit.response.setHeader(s.remainingHeader, String(Math.max(0, remaining - (inc !== undefined && inc > 0 ? inc : 0))))
        }
        if (inc !== undefined && inc > 0 && remaining <= 0) stop = true
      }
      kit.response.clearHeader(headerName)
      if (stop) {
        // Kong's kong.response.exit(429) in header_filter: no body, nothing counted.
        state.blocked = true
        kit.response.status = 429
      } else kit.response.skipBody() // only a blocked response needs its body dropped; others stream
    },

    bodyFilter(kit, body) {
      return states.get(kit)?.blocked ? EMPTY : body
    },

    log(kit) {
      const state = states.get(kit)
      if (!state || state.blocked || !state.increments) return
      for (const [name, by] of state.increments) if (by !== 0) increment(state.identifier, state.now, name, by)
    },
  }
})

/** `name=2, other=1` → increments of the configured names (others and malformed parts ignored). */
function parseIncrements(value: string | string[] | number | undefined, limits: Record<string, unknown>): Map<string, number> {
  const out = new Map<string, number>()
  if (value === undefined) return out
  const parts = (Array.isArray(value) ? value : [String(value)]).flatMap((v) => v.split(','))
  for (const part of parts) {
    const kv = part.split('=')
    if (kv.length !== 2) continue
    const name = kv[0]!.trim()
    const n = Number(kv[1]!.trim())
    if (Object.hasOwn(limits, name) && kv[1]!.trim() !== '' && Number.isFinite(n)) out.set(name, n)
  }
  return out
}
