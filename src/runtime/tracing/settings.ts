/**
 * Kong's `tracing_instrumentations` and `tracing_sampling_rate` (kong.conf),
 * given as --tracing-instrumentations and --tracing-sampling-rate: which
 * spans the gateway records for every request, and the probability a trace
 * is kept. Parsed once at start; `undefined` (Kong's `off`, the default) means
 * the request path records nothing and allocates nothing for tracing.
 */

/** The instrumentations Kong names (kong/observability/tracing/instrumentation.lua). */
export const INSTRUMENTATIONS = [
  'db_query',
  'dns_query',
  'router',
  'http_client',
  'balancer',
  'plugin_rewrite',
  'plugin_access',
  'plugin_header_filter',
] as const
export type Instrumentation = (typeof INSTRUMENTATIONS)[number]

export interface TracingSettings {
  /** What is recorded beside the root span `kong` (Kong's `request` alone: nothing more). */
  readonly router: boolean
  readonly httpClient: boolean
  readonly balancer: boolean
  readonly pluginRewrite: boolean
  readonly pluginAccess: boolean
  readonly pluginHeaderFilter: boolean
  /** Kong's tracing_sampling_rate (0.01 by default). */
  readonly samplingRate: number
  /** Whether an instrumentation by Kong's name is on. */
  has(name: string): boolean
}

export const DEFAULT_SAMPLING_RATE = 0.01

/**
 * Parses the comma-separated list and the rate, with Kong's conf_loader
 * messages (kong/conf_loader/parse.lua). Throws on a bad value.
 */
export function parseTracing(list: string | undefined, rate: string | number | undefined): TracingSettings | undefined {
  const names = (list ?? 'off')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '')
  if (names.length === 0) names.push('off')
  const known = new Set<string>(['all', 'off', 'request', ...INSTRUMENTATIONS])
  for (const n of names) if (!known.has(n)) throw new Error(`invalid tracing type: ${n}`)
  if (names.length > 1 && names.includes('off')) throw new Error('invalid tracing types: off, other types are mutually exclusive')
  const samplingRate = rate === undefined || rate === '' ? DEFAULT_SAMPLING_RATE : Number(rate)
  if (!Number.isFinite(samplingRate) || samplingRate < 0 || samplingRate > 1) throw new Error('tracing_sampling_rate must be between 0 and 1')
  if (names[0] === 'off') return undefined
  // Kong: `all` as the first entry keeps every instrumentation; otherwise only those listed.
  const all = names[0] === 'all'
  const on = new Set<string>(all ? INSTRUMENTATIONS : names)
  return {
    router: on.has('router'),
    httpClient: on.has('http_client'),
    balancer: on.has('balancer'),
    pluginRewrite: on.has('plugin_rewrite'),
    pluginAccess: on.has('plugin_access'),
    pluginHeaderFilter: on.has('plugin_header_filter'),
    samplingRate,
    has: (name) => on.has(name),
  }
}
