/**
 * `--upstream-keepalive-pool-size`, `--upstream-keepalive-max-requests` and
 * `--upstream-keepalive-idle-timeout` (environment GATEWAY_UPSTREAM_KEEPALIVE_POOL_SIZE,
 * _MAX_REQUESTS, _IDLE_TIMEOUT): Kong's kong.conf upstream_keepalive_* with
 * Kong's defaults (512, 10000, 60 seconds) and units. Checked before anything
 * starts, as Kong's conf loader refuses a negative value; what they do to the
 * pools is node/pools.ts.
 */
import { KONG_KEEPALIVE, type UpstreamKeepalive } from '../node/pools.js'

export const KEEPALIVE_OPTIONS = {
  'upstream-keepalive-pool-size': { type: 'string' },
  'upstream-keepalive-max-requests': { type: 'string' },
  'upstream-keepalive-idle-timeout': { type: 'string' },
} as const

type Flag = keyof typeof KEEPALIVE_OPTIONS

/** A value from the flag, else its environment variable, else Kong's default; throws on what Kong would refuse. */
function read(flag: Flag, values: Partial<Record<Flag, string>>, env: NodeJS.ProcessEnv, fallback: number, whole: boolean): number {
  const text = values[flag] ?? env[`GATEWAY_${flag.toUpperCase().replaceAll('-', '_')}`]
  if (text === undefined) return fallback
  const n = text.trim() === '' ? NaN : Number(text)
  // Whole numbers for counts (nginx's keepalive takes no fraction); seconds may have one, as in Kong.
  if (!Number.isFinite(n) || n < 0 || (whole && !Number.isSafeInteger(n))) {
    throw new Error(`--${flag} must be ${whole ? 'a whole number' : 'a number of seconds'}, 0 or greater`)
  }
  return n
}

export function upstreamKeepalive(values: Partial<Record<Flag, string>>, env: NodeJS.ProcessEnv): UpstreamKeepalive {
  return {
    poolSize: read('upstream-keepalive-pool-size', values, env, KONG_KEEPALIVE.poolSize, true),
    maxRequests: read('upstream-keepalive-max-requests', values, env, KONG_KEEPALIVE.maxRequests, true),
    idleTimeout: read('upstream-keepalive-idle-timeout', values, env, KONG_KEEPALIVE.idleTimeout, false),
  }
}
