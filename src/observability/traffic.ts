/**
 * Request counts and latency histograms per service and route, read from the
 * text the admin /metrics serves (metrics.ts: the prometheus plugin's series,
 * with --workers summed over the workers). Nothing is measured here: the
 * status page shows what the node already keeps, and computes rates and
 * quantiles from the difference between two readings. Only the series below
 * are kept, so the answer stays small whatever else the exposition holds.
 */

export interface Histogram {
  count: number
  sum: number
  /** Cumulative counts per upper bound (`le`), ascending; the last bound is Infinity (JSON: null). */
  buckets: [number, number][]
}

export interface RouteTraffic {
  service: string
  route: string
  requests: number
  /** Requests by status class ("2xx", "4xx", ...). */
  codes: Record<string, number>
  latency: { request?: Histogram; upstream?: Histogram; kong?: Histogram }
}

export interface Traffic {
  routes: RouteTraffic[]
  /** Whether the prometheus plugin records per-route counts (status_code_metrics) and latencies (latency_metrics). */
  status_code_metrics: boolean
  latency_metrics: boolean
}

const HISTOGRAMS = { kong_request_latency_ms: 'request', kong_upstream_latency_ms: 'upstream', kong_kong_latency_ms: 'kong' } as const
type HistogramName = keyof typeof HISTOGRAMS

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

function labelsOf(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  if (!text) return out
  for (const m of text.matchAll(LABEL)) out[m[1]!] = m[2]!.replace(/\\n/g, '\n').replace(/\\(.)/g, '$1')
  return out
}

const histogramOf = (name: string): { base: HistogramName; part: 'bucket' | 'sum' | 'count' } | undefined => {
  for (const part of ['bucket', 'sum', 'count'] as const) {
    const base = name.slice(0, -(part.length + 1))
    if (name.endsWith(`_${part}`) && base in HISTOGRAMS) return { base: base as HistogramName, part }
  }
  return undefined
}

/** The per-route traffic in an exposition text (lines of other series are skipped unparsed). */
export function trafficOf(exposition: string): Traffic {
  const routes = new Map<string, RouteTraffic>()
  let statusCodes = false
  let latency = false
  const entry = (l: Record<string, string>) => {
    const service = l.service ?? ''
    const route = l.route ?? ''
    const key = `${service}\u0000${route}`
    let e = routes.get(key)
    if (!e) routes.set(key, (e = { service, route, requests: 0, codes: {}, latency: {} }))
    return e
  }
  for (const line of exposition.split('\n')) {
    if (
      !line.startsWith('kong_http_requests_total') &&
      !line.startsWith('kong_request_latency_ms') &&
      !line.startsWith('kong_upstream_latency_ms') &&
      !line.startsWith('kong_kong_latency_ms')
    )
      continue
    const m = SAMPLE.exec(line)
    if (!m) continue
    const value = Number(m[3])
    if (!Number.isFinite(value)) continue
    const l = labelsOf(m[2])
    if (m[1] === 'kong_http_requests_total') {
      statusCodes = true
      const e = entry(l)
      e.requests += value
      const cls = `${(l.code ?? '').charAt(0) || '?'}xx`
      e.codes[cls] = (e.codes[cls] ?? 0) + value
      continue
    }
    const h = histogramOf(m[1]!)
    if (!h) continue
    latency = true
    const e = entry(l)
    const kind = HISTOGRAMS[h.base]
    const hist = (e.latency[kind] ??= { count: 0, sum: 0, buckets: [] })
    if (h.part === 'sum') hist.sum += value
    else if (h.part === 'count') hist.count += value
    else {
      const le = l.le === '+Inf' ? Infinity : Number(l.le)
      const b = hist.buckets.find((x) => x[0] === le)
      if (b) b[1] += value
      else hist.buckets.push([le, value])
    }
  }
  for (const e of routes.values()) for (const h of Object.values(e.latency)) h.buckets.sort((a, b) => a[0] - b[0])
  return { routes: [...routes.values()], status_code_metrics: statusCodes, latency_metrics: latency }
}
