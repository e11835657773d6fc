// Grafana's view: Kong's official dashboard (grafana.com 7424) over a real Prometheus scraping the
// gateway's admin /metrics. Debian's `prometheus` (apt-get install prometheus; CI installs it) runs
// with its own config and storage in a temp dir, scraping every second, while mixed traffic goes
// through the gateway: 200s and upstream 404s on two upstreams, 401s from key-auth, requests that
// match no route, and a dead target behind active health checks. Then every templating variable
// (label_values) and every PromQL expression of the dashboard is evaluated through Prometheus'
// HTTP API with the variables substituted as Grafana does for "All", and each must return data.
// The expressions are in test/fixtures/grafana/kong-official.json (copied from Kong's repository,
// with their origin). Without the `prometheus` binary the test says so and plans nothing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { fetchRaw, gateway } from '../helpers/gateway.js'
import { deadPort } from '../helpers/stream.js'
import { startUpstream, type Handler } from '../helpers/upstream.js'

interface Dashboard {
  variables: { name: string; query: string; allValue: string | null }[]
  exprs: { panel: string; expr: string }[]
}
const DASHBOARD = JSON.parse(readFileSync(new URL('../fixtures/grafana/kong-official.json', import.meta.url), 'utf8')) as Dashboard

const hasPrometheus = spawnSync('prometheus', ['--version'], { stdio: 'ignore' }).status === 0

// Answers /status/NNN with NNN, anything else with 200.
const statusUpstream: Handler = (req, res) => {
  const m = /\/status\/(\d{3})/.exec(req.url ?? '')
  res.writeHead(m ? Number(m[1]) : 200, { 'content-type': 'text/plain' })
  res.end('ok')
}

async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const port = (s.address() as AddressInfo).port
  await new Promise<void>((resolve) => s.close(() => resolve()))
  return port
}

interface PromAnswer {
  status: string
  data: { resultType?: string; result?: { metric: Record<string, string>; value: [number, string] }[] } | string[]
}

/** Grafana's label_values(metric, label): the label's values on that metric's series. */
function labelValuesQuery(query: string): { metric: string; label: string } {
  const m = /^label_values\(\s*([\w:]+)\s*,\s*(\w+)\s*\)$/.exec(query)
  if (!m) throw new Error(`not a label_values query: ${query}`)
  return { metric: m[1]!, label: m[2]! }
}

/** Grafana's regex escaping of a value in a multi-value Prometheus variable. */
const regexEscape = (v: string) => v.replace(/[\\^$*+?.()|{}[\]/]/g, '\\$&')

if (!hasPrometheus) {
  t.plan(0, 'the prometheus binary is not installed (Debian: apt-get install prometheus)')
} else {
  t.test("every expression of Kong's Grafana dashboard returns data", async (t) => {
    const upA = await startUpstream('a', statusUpstream)
    const upB = await startUpstream('b', statusUpstream)
    t.teardown(() => upA.close())
    t.teardown(() => upB.close())
    const dead = await deadPort()
    const gw = await gateway(
      `_format_version: "3.0"
upstreams:
  - name: checked
    healthchecks:
      active:
        http_path: /status/200
        healthy: { interval: 0.2, successes: 1 }
        unhealthy: { interval: 0.2, tcp_failures: 1, http_failures: 1 }
    targets:
      - { target: "${new URL(upA.url).host}", weight: 100 }
      - { target: "127.0.0.1:${dead}", weight: 100 }
  - name: second
    targets:
      - { target: "${new URL(upB.url).host}" }
services:
  - name: checked-service
    host: checked
    routes:
      - { name: checked-route, paths: [/checked] }
      - name: auth-route
        paths: [/auth]
        plugins:
          - name: key-auth
  - name: second-service
    host: second
    routes:
      - { name: second-route, paths: [/second] }
consumers:
  - username: alice
    keyauth_credentials: [{ key: alice-key }]
plugins:
  - name: prometheus
    config: { per_consumer: true, status_code_metrics: true, latency_metrics: true, bandwidth_metrics: true, upstream_health_metrics: true }
`,
      { adminListen: '127.0.0.1:0' },
    )
    t.teardown(() => gw.close())

    const dir = mkdtempSync(join(tmpdir(), 'prometheus-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: kong
    metrics_path: /metrics
    static_configs: [{ targets: ["${gw.admin}"] }]
`,
    )
    const promPort = await freePort()
    const prom: ChildProcess = spawn(
      'prometheus',
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
    let promLog = ''
    prom.stderr!.on('data', (c: Buffer) => (promLog = (promLog + c.toString()).slice(-4000)))
    t.teardown(async () => {
      if (prom.exitCode !== null) return
      const exited = new Promise((resolve) => prom.once('exit', resolve))
      prom.kill('SIGTERM')
      await exited
    })
    const api = async (path: string): Promise<PromAnswer> => {
      const r = await fetchRaw(`http://127.0.0.1:${promPort}/api/v1/${path}`)
      return JSON.parse(r.body) as PromAnswer
    }
    const query = async (expr: string) => {
      const a = await api(`query?query=${encodeURIComponent(expr)}`)
      if (a.status !== 'success') throw new Error(`${expr}: ${JSON.stringify(a)}`)
      return (a.data as { result: { metric: Record<string, string>; value: [number, string] }[] }).result
    }

    // Mixed traffic until the evaluation is over, so every rate has something to show.
    let sending = true
    const traffic = (async () => {
      const paths: [string, Record<string, string>][] = [
        ['/checked', {}],
        ['/checked/status/404', {}],
        ['/second', {}],
        ['/second/status/500', {}],
        ['/auth', {}],
        ['/auth', { apikey: 'alice-key' }],
        ['/nowhere', {}],
      ]
      while (sending) {
        for (const [path, headers] of paths) await fetchRaw(`${gw.url}${path}`, { headers })
        await new Promise((r) => setTimeout(r, 50))
      }
    })()
    t.teardown(async () => {
      sending = false
      await traffic
    })

    // Prometheus is up, has scraped the gateway several times with traffic, and the dead target is down.
    const ready = async () => {
      for (let i = 0; i < 600; i++) {
        if (prom.exitCode !== null) throw new Error(`prometheus exited: ${promLog}`)
        try {
          const scrapes = await query('count_over_time(kong_http_requests_total{code="401"}[1m])')
          const down = await query('kong_upstream_target_health{state="unhealthy"} == 1')
          if (scrapes.some((s) => Number(s.value[1]) >= 4) && down.length > 0) return true
        } catch {
          // Not listening yet.
        }
        await new Promise((r) => setTimeout(r, 100))
      }
      return false
    }
    t.ok(await ready(), 'prometheus scraped the gateway under traffic')

    // The templating variables, as Grafana fills them (label_values: the label's values on the metric's series).
    const values = new Map<string, string>()
    for (const v of DASHBOARD.variables) {
      const { metric, label } = labelValuesQuery(v.query)
      const a = await api(`label/${label}/values?match[]=${encodeURIComponent(metric)}`)
      const list = a.data as string[]
      t.ok(list.length > 0, `$${v.name} (${v.query}) has values: ${list.join(', ')}`)
      // "All": the variable's allValue, else every value as a regex alternation.
      values.set(v.name, v.allValue ?? `(${list.map(regexEscape).join('|')})`)
    }
    t.same((await api(`label/upstream/values?match[]=kong_upstream_target_health`)).data, ['checked', 'second'], '$upstream lists both upstreams')

    const substitute = (expr: string) => expr.replace(/\$(\w+)/g, (whole, name: string) => values.get(name) ?? whole)
    t.equal(DASHBOARD.exprs.length, 44, "the dashboard's 44 expressions")
    for (const [i, { panel, expr }] of DASHBOARD.exprs.entries()) {
      const q = substitute(expr)
      const result = await query(q)
      const finite = result.filter((s) => Number.isFinite(Number(s.value[1])))
      t.ok(finite.length > 0, `#${i} ${panel}: ${q.replace(/\s+/g, ' ')}`)
    }
    sending = false
    await traffic
  })
}
