/**
 * statsd's metrics, compiled once per instance (kong/plugins/statsd/log.lua):
 * each configured metric becomes a function that writes its lines for one
 * request, with its name, type letter, rate and identifiers resolved here so
 * the log phase only reads the request and joins strings.
 *
 * Without `tag_style`, names carry the scope: `<prefix>.service.<name>.<stat>`
 * (dots in the name become `_`; `unnamed` when the identifier has no value),
 * or `<prefix>.global.unmatched.<stat>` without a service. With `tag_style`,
 * the name is `<prefix>.<stat>` and the scope goes into tags; the per-user,
 * per-status and set metrics are not sent then (Kong skips them).
 */
import type { Consumer, Route, Service } from '../../config/model.js'
import type { SharedDictUsage } from '../types.js'
import { DEFAULT_WORKSPACE_ID, DEFAULT_WORKSPACE_NAME } from '../shared/log-serializer.js'
import { rateSuffix, STAT_TYPE_CODES, taggedLine, type Tag, type TagStyle } from '../shared/statsd/line.js'
import type { CONSUMER_IDENTIFIERS, SERVICE_IDENTIFIERS, StatsdConfig, StatsdMetric, WORKSPACE_IDENTIFIERS } from './schema.js'

/** What the metrics read of a request (Kong's serialized message, the fields statsd uses). */
export interface Message {
  status: number
  requestSize: number
  responseSize: number
  /** Kong's latencies: `request`, `proxy` (-1 when nothing came from an upstream), `kong`. */
  latency: number
  upstreamLatency: number
  kongLatency: number
  service: Service | undefined
  route: Route | undefined
  consumer: Consumer | undefined
}

export type Emit = (m: Message, out: string[]) => void

type Ident<T> = (x: T | undefined) => string | undefined

const CONSUMER_IDS: Record<(typeof CONSUMER_IDENTIFIERS)[number], Ident<Consumer>> = {
  consumer_id: (c) => c?.id,
  custom_id: (c) => c?.custom_id,
  username: (c) => c?.username,
}

const SERVICE_IDS: Record<(typeof SERVICE_IDENTIFIERS)[number], Ident<Service>> = {
  service_id: (s) => s?.id,
  service_name: (s) => s?.name,
  service_host: (s) => s?.host,
  service_name_or_host: (s) => s && (s.name ?? s.host),
}

const WORKSPACE_IDS: Record<(typeof WORKSPACE_IDENTIFIERS)[number], string> = {
  workspace_id: DEFAULT_WORKSPACE_ID,
  workspace_name: DEFAULT_WORKSPACE_NAME,
}

// The plain metrics: their stat name and the request's value (-1 or undefined: not sent).
const PLAIN: Partial<Record<StatsdMetric['name'], readonly [string, (m: Message) => number]>> = {
  request_size: ['request.size', (m) => m.requestSize],
  response_size: ['response.size', (m) => m.responseSize],
  latency: ['latency', (m) => m.latency],
  upstream_latency: ['upstream_latency', (m) => m.upstreamLatency],
  kong_latency: ['kong_latency', (m) => m.kongLatency],
  request_count: ['request.count', () => 1],
}

// Kong's shdict_metrics_last_sent: one per process, shared by every statsd instance.
const SHDICT_SEND_INTERVAL_MS = 60_000
let shdictLastSent = -Infinity

/** Kong's get_scope_name, cached per service (entities are frozen per config). */
function scopeNames(service: Ident<Service>): (s: Service | undefined) => string {
  const cache = new WeakMap<Service, string>()
  return (s) => {
    if (s === undefined) return 'global.unmatched'
    let name = cache.get(s)
    if (name === undefined) {
      const id = service(s)
      name = `service.${id === undefined ? 'unnamed' : id.replaceAll('.', '_')}`
      cache.set(s, name)
    }
    return name
  }
}

/** The lines of every configured metric, in order, for one request. */
export function compileMetrics(conf: StatsdConfig, hostname: string, dicts: () => readonly SharedDictUsage[] = () => []): Emit[] {
  const style = conf.tag_style as TagStyle | undefined
  const prefix = conf.hostname_in_prefix && style === undefined ? `${conf.prefix}.node.${hostname}` : conf.prefix
  const emits: Emit[] = []
  for (const metric of conf.metrics as StatsdMetric[]) {
    const consumer = CONSUMER_IDS[metric.consumer_identifier ?? conf.consumer_identifier_default]
    const serviceId = SERVICE_IDS[metric.service_identifier ?? conf.service_identifier_default]
    const workspace = WORKSPACE_IDS[metric.workspace_identifier ?? conf.workspace_identifier_default]
    const rate = rateSuffix(metric.sample_rate)
    const counted = `1|c${rate}`
    const plain = PLAIN[metric.name]
    if (plain) {
      const [stat, value] = plain
      const kind = `|${STAT_TYPE_CODES[metric.stat_type]}${rate}`
      if (style === undefined) {
        const scope = scopeNames(serviceId)
        emits.push((m, out) => {
          const v = value(m)
          if (v !== -1) out.push(`${prefix}.${scope(m.service)}.${stat}:${v}${kind}`)
        })
      } else {
        const head = `${prefix}.${stat}`
        emits.push((m, out) => {
          const v = value(m)
          if (v === -1) return
          const tags = tagsOf(m, serviceId, consumer, workspace, hostname)
          // Kong: without a service there are no tags, and the line goes out plain.
          out.push(tags === undefined ? `${head}:${v}${kind}` : taggedLine(head, `${v}${kind}`, tags, style))
        })
      }
      continue
    }
    // The other metrics have names of their own and are not sent with tag_style
    // (but shdict_usage, which has a tagged form: spec 01-log_spec.lua:1739).
    if (style !== undefined && metric.name !== 'shdict_usage') continue
    const scope = scopeNames(serviceId)
    switch (metric.name) {
      case 'unique_users':
        emits.push((m, out) => {
          const id = consumer(m.consumer)
          if (id !== undefined) out.push(`${prefix}.${scope(m.service)}.user.uniques:${id}|s`)
        })
        break
      case 'request_per_user':
        emits.push((m, out) => {
          const id = consumer(m.consumer)
          if (id !== undefined) out.push(`${prefix}.${scope(m.service)}.user.${id}.request.count:${counted}`)
        })
        break
      case 'status_count':
        emits.push((m, out) => void out.push(`${prefix}.${scope(m.service)}.status.${m.status}:${counted}`))
        break
      case 'status_count_per_user':
        emits.push((m, out) => {
          const id = consumer(m.consumer)
          if (id !== undefined) out.push(`${prefix}.${scope(m.service)}.user.${id}.status.${m.status}:${counted}`)
        })
        break
      case 'status_count_per_workspace':
        emits.push((m, out) => void out.push(`${prefix}.${scope(m.service)}.workspace.${workspace}.status.${m.status}:${counted}`))
        break
      case 'status_count_per_user_per_route':
        emits.push((m, out) => {
          const id = consumer(m.consumer)
          if (id !== undefined && m.route?.id !== undefined) out.push(`${prefix}.route.${m.route.id}.user.${id}.status.${m.status}:${counted}`)
        })
        break
      case 'shdict_usage': {
        // Kong's shared dicts are the node's sized stores here (rate-limiting
        // counters, proxy-cache memory): free space and capacity, sent at most
        // once a minute by whichever instance logs first (Kong: worker 0's).
        const kind = `|g${rate}`
        emits.push((_m, out) => {
          const now = Date.now()
          if (shdictLastSent + SHDICT_SEND_INTERVAL_MS >= now) return
          shdictLastSent = now
          for (const d of dicts()) {
            const free = `${Math.max(0, d.capacity - d.used)}${kind}`
            const capacity = `${d.capacity}${kind}`
            if (style !== undefined) {
              const tags: Tag[] = [
                ['node', hostname],
                ['shdict', d.name],
              ]
              out.push(taggedLine(`${prefix}.shdict.free_space`, free, tags, style), taggedLine(`${prefix}.shdict.capacity`, capacity, tags, style))
            } else {
              const head = conf.hostname_in_prefix ? `${prefix}.shdict.${d.name}` : `${prefix}.node.${hostname}.shdict.${d.name}`
              out.push(`${head}.free_space:${free}`, `${head}.capacity:${capacity}`)
            }
          }
        })
        break
      }
    }
  }
  return emits
}

/** Kong's get_tags: undefined without a service (the line then goes out without tags). */
function tagsOf(m: Message, service: Ident<Service>, consumer: Ident<Consumer>, workspace: string, hostname: string): Tag[] | undefined {
  const name = service(m.service)
  if (name === undefined) return undefined
  const tags: Tag[] = [['service', name]]
  if (m.route) tags.push(['route', m.route.name ?? m.route.id ?? ''])
  tags.push(['workspace', workspace])
  const user = consumer(m.consumer)
  if (user !== undefined) tags.push(['consumer', user])
  tags.push(['node', hostname], ['status', m.status])
  return tags
}

/**
 * Kong's is_in_range over `allow_status_codes`: unset lets every status
 * through; otherwise the status must fall in one of the ranges (an empty list
 * lets none through, as in Kong). Each range is read as Kong's
 * `(\d\d\d)-(\d\d\d)` finds it.
 */
export function statusFilter(ranges: readonly string[] | undefined): (status: number) => boolean {
  if (ranges === undefined) return () => true
  const bounds: [number, number][] = []
  for (const r of ranges) {
    const m = /(\d\d\d)-(\d\d\d)/.exec(r)
    if (m) bounds.push([Number(m[1]), Number(m[2])])
  }
  return (status) => bounds.some(([lo, hi]) => status >= lo && status <= hi)
}
