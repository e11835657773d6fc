/** The text form of an explanation: aligned sections for a person reading a terminal. */
import type { Explanation } from './explain.js'
import type { PluginStep } from './plugins.js'

const PHASES = [
  ['rewrite', 'rewrite'],
  ['access', 'access'],
  ['header_filter', 'header_filter'],
  ['body_filter', 'body_filter'],
  ['log', 'log'],
] as const

const label = (s: string) => s.padEnd(10)
const routeName = (r: { name: string | null; id: string }) => r.name ?? r.id

function table(rows: string[][], indent: string): string[] {
  const widths: number[] = []
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)))
  return rows.map(
    (r) =>
      indent +
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
  )
}

function outcome(s: PluginStep): string {
  switch (s.outcome) {
    case 'answers':
      return `answers ${s.answer!.status}${s.answer!.message ? ` "${s.answer!.message}"` : ''}`
    case 'identifies':
      return `identifies consumer ${s.consumer!.username ?? s.consumer!.id}${s.consumer!.anonymous ? ' (anonymous)' : ''}`
    case 'skipped':
      return 'skipped'
    case 'not-reached':
      return 'not reached'
    case 'unknown':
      return 'runs; outcome depends on runtime'
    default:
      return 'runs'
  }
}

export function renderText(e: Explanation): string {
  const out: string[] = []
  const r = e.request
  out.push(`${label('Request')}${r.method} ${r.scheme}://${r.host}${r.path}${r.query}`)
  const extra = [
    r.headers.length ? `headers: ${r.headers.join(', ')}` : '',
    r.sni ? `sni: ${r.sni}` : '',
    r.client_ip ? `client ip: ${r.client_ip}` : '',
    r.consumer ? `consumer: ${r.consumer}` : '',
  ]
  if (extra.some(Boolean)) out.push(`${label('')}${extra.filter(Boolean).join('; ')}`)
  if (e.route) {
    out.push(
      `${label('Route')}${routeName(e.route)}  (rank ${e.route.rank} in evaluation order, priority ${e.route.priority}; matched ${e.route.matched.join(', ') || 'everything'})`,
    )
  } else out.push(`${label('Route')}none`)
  if (e.service)
    out.push(`${label('Service')}${e.service.name ?? e.service.id}  ${e.service.protocol}://${e.service.host}:${e.service.port}${e.service.path ?? ''}`)
  else if (e.route) out.push(`${label('Service')}none`)
  const u = e.upstream
  if (u) {
    out.push(`${label('Upstream')}${u.method} ${u.url}`)
    out.push(
      `${label('')}strip_path ${u.strip_path}${u.stripped_prefix ? ` (removes ${u.stripped_prefix})` : ''}, path_handling ${u.path_handling}, preserve_host ${u.preserve_host}`,
    )
    out.push(`${label('')}Host: ${u.host_header}`)
    for (const n of u.notes) out.push(`${label('')}note: ${n}`)
    const b = u.balancer
    if (b) {
      out.push(
        `${label('Balancer')}${b.upstream}: ${b.algorithm}${b.hash_on ? ` on ${b.hash_on}` : ''}${b.hash_fallback ? `, fallback ${b.hash_fallback}` : ''}`,
      )
      out.push(
        ...table(
          b.targets.map((t) => [t.target, `weight ${t.weight}`, t.healthy ? 'healthy' : 'unhealthy', b.pick === t.target ? '<- picked' : '']),
          ' '.repeat(12),
        ),
      )
      out.push(`${label('')}${b.pick_note}`)
    }
  }
  if (e.runner_ups.length) {
    out.push('', 'Runner-ups (evaluation order)')
    for (const c of e.runner_ups) {
      out.push(`  ${c.rank === null ? '-' : `#${c.rank}`} ${routeName(c)}  priority ${c.priority}${c.paths.length ? `  paths ${c.paths.join(' ')}` : ''}`)
      for (const l of c.lost) out.push(`      lost on ${l.reason}: ${l.detail}`)
    }
  }
  out.push('', 'Plugins (run order per phase)')
  let any = false
  for (const [key, name] of PHASES) {
    const steps = e.plugins.phases[key]
    if (steps.length === 0) continue
    any = true
    out.push(`  ${name}`)
    const rows = steps.map((s) => [s.name, String(s.priority), s.scope, key === 'access' ? outcome(s) : ''])
    const lines = table(rows, '    ')
    steps.forEach((s, i) => {
      out.push(lines[i]!)
      if (key === 'access') {
        if (s.note && s.outcome !== 'unknown') out.push(`      ${s.note}`)
        out.push(`      why this instance: ${s.why}`)
      }
    })
  }
  if (!any) out.push('  none')
  const o = e.plugins.ordering
  if (o) {
    out.push('', 'Dynamic ordering (access phase)')
    if (o.rules.length) out.push(`  rules:   ${o.rules.join('; ')}`)
    out.push(`  static:  ${o.static.join(' > ')}`, `  ordered: ${o.dynamic.join(' > ')}`)
  }
  out.push('')
  if (e.answer) out.push(`${label('Answer')}${e.answer.status}${e.answer.message ? ` "${e.answer.message}"` : ''} (by ${e.answer.by})`)
  else out.push(`${label('Answer')}proxied to the upstream${e.plugins.consumer ? ` as consumer ${e.plugins.consumer.username ?? e.plugins.consumer.id}` : ''}`)
  out.push('', e.note)
  return out.join('\n')
}
