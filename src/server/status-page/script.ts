/**
 * The status page's one script (an ES module served from the gateway): it
 * reads the admin listener's read-only JSON, renders it with textContent only
 * (nothing from the config is ever parsed as HTML), filters the tables as the
 * search box changes, and refreshes every few seconds (`?refresh=MS`, at
 * least 250). Entities and chains are fetched again only when the
 * configuration changes (hash or load time); status, reloads, upstream
 * health and traffic on every refresh. Rates and latency quantiles come from
 * the difference between two readings of the node's counters.
 *
 * Plain browser JavaScript kept as text (the build compiles TypeScript for
 * Node only); the end-to-end test (test/server/status-page.test.ts) runs it
 * in Chromium. No backtick or dollar-brace may appear in it.
 */
export const PAGE_SCRIPT = String.raw`
const params = new URLSearchParams(location.search)
const REFRESH_MS = Math.max(250, Number(params.get('refresh')) || 5000)
const $ = (id) => document.getElementById(id)

function el(tag, props, ...children) {
  const e = document.createElement(tag)
  if (props) for (const k of Object.keys(props)) {
    if (k === 'class') e.className = props[k]
    else if (k === 'title') e.title = props[k]
    else e.setAttribute(k, props[k])
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c))
  return e
}
const list = (xs) => (Array.isArray(xs) && xs.length ? xs.join(', ') : '')
const shortHash = (h) => (h ? String(h).slice(0, 12) : '—')
const when = (iso) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—')

async function get(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' })
  if (!res.ok) throw new Error(path + ': ' + res.status)
  return res.json()
}

function fill(tbody, rows) {
  tbody.replaceChildren(...rows)
  applyFilter()
}

// ------------------------------------------------------------------ search

function applyFilter() {
  const q = $('search').value.trim().toLowerCase()
  let shown = 0
  let total = 0
  for (const id of ['services', 'routes', 'consumers', 'upstreams']) {
    for (const tr of $(id).tBodies[0].rows) {
      total++
      const hit = q === '' || tr.textContent.toLowerCase().includes(q)
      tr.hidden = !hit
      if (hit) shown++
    }
  }
  $('search-count').textContent = q === '' ? '' : shown + ' of ' + total + ' shown'
}

// ------------------------------------------------------------------ header, workers, reloads

function renderStatus(s) {
  $('hash').textContent = s.configuration_hash
  $('loaded-at').textContent = when(s.loaded_at)
  const e = s.entities
  const count = (n, one) => n + ' ' + one + (n === 1 ? '' : 's')
  $('entities').textContent = [count(e.services, 'service'), count(e.routes, 'route'), count(e.consumers, 'consumer'), count(e.plugins, 'plugin'), count(e.upstreams, 'upstream')].join(', ')
  const c = s.reloads
  $('reload-counts').textContent = c ? c.applied + ' applied, ' + c.invalid + ' invalid, ' + c.unreadable + ' unreadable, ' + c.unchanged + ' unchanged' : 'not watching'
  const workers = s.workers
  $('workers-section').hidden = !workers
  if (workers) {
    $('converged').textContent = s.converged
      ? 'Converged: all ' + workers.length + ' workers serve ' + shortHash(s.configuration_hash) + '.'
      : 'Not converged: ' + workers.filter((w) => w.configuration_hash === s.configuration_hash).length + ' of ' + workers.length + ' workers serve the current configuration.'
    $('converged').className = s.converged ? 'ok' : 'bad'
    fill($('workers').tBodies[0], workers.map((w) => {
      const current = w.configuration_hash === s.configuration_hash
      return el('tr', { 'data-pid': w.pid }, el('td', null, w.pid), el('td', null, el('code', null, w.configuration_hash || 'starting')), el('td', { class: current ? 'ok' : 'bad' }, current ? 'current' : 'behind'))
    }))
  }
}

function problem(p) {
  const where = p.file ? p.file + (p.line ? ':' + p.line + (p.column ? ':' + p.column : '') : '') : ''
  return el('span', { class: 'problem' }, [where, p.path, p.message].filter((x) => x).join('  '))
}

function renderReloads(r, status) {
  const rows = r.data.slice().reverse().map((x) =>
    el('tr', { class: 'reload-' + x.result }, el('td', null, when(x.at)), el('td', { class: x.result }, x.result), el('td', null, el('code', null, shortHash(x.configuration_hash))), el('td', null, x.duration_ms), el('td', null, ...x.errors.map(problem), x.errors_omitted ? el('span', { class: 'problem' }, '… and ' + x.errors_omitted + ' more') : null)),
  )
  $('reloads-empty').hidden = rows.length > 0
  $('reloads').tBodies[0].replaceChildren(...rows)
  const last = status.last_error
  const box = $('last-error')
  box.hidden = !last
  if (last) box.replaceChildren(el('strong', null, 'The file on disk is not served: its last reload was ' + last.result + ' (' + when(last.at) + '); the configuration ' + shortHash(status.configuration_hash) + ' keeps serving.'), ...last.errors.map(problem))
}

// ------------------------------------------------------------------ traffic

let previous

function quantile(buckets, count, q) {
  if (!count) return null
  const rank = q * count
  let lower = 0
  let below = 0
  for (const [le, n] of buckets) {
    if (n >= rank) {
      if (le === null) return { over: lower }
      return { ms: lower + (le - lower) * (n === below ? 1 : (rank - below) / (n - below)) }
    }
    if (le !== null) lower = le
    below = n
  }
  return null
}

function diffHistogram(now, before) {
  if (!now) return undefined
  if (!before || before.count > now.count) return now
  const old = new Map(before.buckets.map(([le, n]) => [String(le), n]))
  return { count: now.count - before.count, sum: now.sum - before.sum, buckets: now.buckets.map(([le, n]) => [le, n - (old.get(String(le)) || 0)]) }
}

const ms = (v) => (v === null ? '—' : v.over !== undefined ? '> ' + Math.round(v.over) + ' ms' : Math.round(v.ms) + ' ms')
const avg = (h) => (h && h.count ? Math.round(h.sum / h.count) + ' ms' : '—')

function renderTraffic(t, status, at) {
  const total = status.server ? status.server.total_requests : null
  const key = (r) => r.service + ' ' + r.route
  const before = previous ? new Map(previous.routes.map((r) => [key(r), r])) : new Map()
  const seconds = previous ? (at - previous.at) / 1000 : 0
  const rate = (now, old) => (seconds > 0 && old !== undefined && now >= old ? ((now - old) / seconds).toFixed(1) : '—')
  $('traffic-total').textContent = total === null ? '' : 'Requests served: ' + total + ' (' + rate(total, previous ? previous.total : undefined) + ' req/s over the last ' + (seconds ? seconds.toFixed(1) + ' s' : 'reading') + ')'
  fill($('traffic').tBodies[0], t.routes.map((r) => {
    const b = before.get(key(r))
    const win = diffHistogram(r.latency.request, b && b.latency.request)
    const h = win && win.count ? win : r.latency.request
    const q = (x) => (h ? ms(quantile(h.buckets, h.count, x)) : '—')
    const codes = Object.keys(r.codes).sort().map((c) => c + ' ' + r.codes[c]).join(', ')
    return el('tr', { 'data-route': r.route }, el('td', null, r.service), el('td', null, r.route), el('td', { class: 'requests' }, r.requests), el('td', null, rate(r.requests, b && b.requests)), el('td', null, codes), el('td', null, q(0.5) + ' / ' + q(0.95) + ' / ' + q(0.99)), el('td', null, avg(r.latency.upstream)), el('td', null, avg(r.latency.kong)))
  }))
  const notes = []
  if (!t.status_code_metrics) notes.push('Per-route counts need the prometheus plugin with status_code_metrics: true.')
  if (!t.latency_metrics) notes.push('Latencies need the prometheus plugin with latency_metrics: true.')
  if (t.latency_metrics) notes.push('Latency quantiles are estimated from the histogram buckets, over the last refresh when requests arrived in it.')
  $('traffic-note').textContent = notes.join(' ')
  previous = { at, total, routes: t.routes }
}

// ------------------------------------------------------------------ configuration

function pluginChip(p) {
  return el('span', { class: 'chain', title: 'priority ' + p.priority + (p.instance_name ? ', instance ' + p.instance_name : '') }, p.name + ' ', el('small', null, p.scope))
}

function phasesDetails(phases, extra) {
  const d = el('details', null, el('summary', null, 'every phase'))
  for (const phase of ['rewrite', 'access', 'header_filter', 'body_filter', 'log']) {
    const ps = phases[phase] || []
    d.append(el('div', null, el('strong', null, phase + ': '), ps.length ? el('span', null, ...ps.map(pluginChip)) : '—'))
  }
  for (const x of extra) d.append(x)
  return d
}

function renderConfig(services, routes, consumers, chains) {
  const serviceName = new Map(services.data.map((s) => [s.id, s.name || s.id]))
  const routeCount = new Map()
  for (const r of routes.data) if (r.service) routeCount.set(r.service.id, (routeCount.get(r.service.id) || 0) + 1)
  fill($('services').tBodies[0], services.data.map((s) =>
    el('tr', { 'data-name': s.name || s.id }, el('td', null, s.name || s.id), el('td', null, el('code', null, s.protocol + '://' + s.host + ':' + s.port + (s.path || ''))), el('td', null, routeCount.get(s.id) || 0), el('td', null, list(s.tags))),
  ))
  const chainOf = new Map(chains.routes.map((c) => [c.route.id, c]))
  fill($('routes').tBodies[0], routes.data.map((r) => {
    const c = chainOf.get(r.id)
    const cell = el('td', { class: 'plugins' })
    if (c) {
      if (c.phases.access.length) cell.append(...c.phases.access.map(pluginChip))
      else cell.append('none')
      const extra = []
      if (c.ordering) extra.push(el('div', null, 'ordering: ' + c.ordering.static.join(' → ') + ' becomes ' + c.ordering.dynamic.join(' → ')))
      for (const p of c.for_consumers) extra.push(el('div', null, 'for consumer ' + p.consumer + ': ', pluginChip(p)))
      cell.append(phasesDetails(c.phases, extra))
    }
    return el('tr', { 'data-name': r.name || r.id }, el('td', null, r.name || r.id), el('td', null, r.service ? serviceName.get(r.service.id) || r.service.id : '—'), el('td', null, list(r.methods) || 'any'), el('td', null, list(r.hosts) || 'any'), el('td', null, list(r.paths) || 'any'), cell)
  }))
  fill($('consumers').tBodies[0], consumers.data.map((c) =>
    el('tr', { 'data-name': c.username || c.custom_id || c.id }, el('td', null, c.username || '—'), el('td', null, c.custom_id || '—'), el('td', null, list(c.tags))),
  ))
  const g = chains.global
  const globals = new Map()
  for (const phase of ['rewrite', 'header_filter', 'body_filter', 'log']) for (const p of g[phase]) globals.set(p.id, p)
  $('global-plugins').replaceChildren(globals.size ? el('div', null, ...[...globals.values()].map(pluginChip), phasesDetails(g, [])) : el('p', { class: 'note' }, 'No global plugin.'))
}

function renderUpstreams(u) {
  fill($('upstreams').tBodies[0], u.data.map((x) =>
    el('tr', { 'data-name': x.name }, el('td', null, x.name), el('td', null, x.algorithm), el('td', { class: x.health }, x.health), el('td', null, ...x.targets.map((t) => el('div', null, el('code', null, t.target), ' weight ' + t.weight + ' ', el('span', { class: t.health }, t.health))))),
  ))
}

// ------------------------------------------------------------------ refresh loop

let configKey
let root

async function refresh() {
  const at = Date.now()
  const [status, reloads, upstreams, traffic] = await Promise.all([get('/status'), get('/status/reloads'), get('/status/upstreams'), get('/status/traffic')])
  if (!root) {
    root = await get('/')
    $('version').textContent = root.version
    $('host').textContent = root.hostname
  }
  const key = status.configuration_hash + ' ' + status.loaded_at
  if (key !== configKey) {
    const [services, routes, consumers, chains] = await Promise.all([get('/services'), get('/routes'), get('/consumers'), get('/status/chains')])
    renderConfig(services, routes, consumers, chains)
    configKey = key
  }
  renderStatus(status)
  renderReloads(reloads, status)
  renderUpstreams(upstreams)
  renderTraffic(traffic, status, at)
  document.body.dataset.hash = status.configuration_hash
  document.body.dataset.refreshed = String(at)
}

async function loop() {
  try {
    await refresh()
    $('state').textContent = 'Updated ' + new Date().toISOString().slice(11, 19) + 'Z; refreshes every ' + REFRESH_MS / 1000 + ' s.'
    $('state').className = ''
  } catch (err) {
    $('state').textContent = 'Could not refresh (' + err.message + '); showing the last reading.'
    $('state').className = 'stale'
  }
  setTimeout(loop, REFRESH_MS)
}

$('search').addEventListener('input', applyFilter)
loop()
`
