// Issue 18, item 3: the read-only status page on the admin listener, end to end in
// headless Chromium (Debian's chromium driven by playwright-core) against one real
// gateway with --workers 2: it renders (hash, services, routes, plugins in run
// order, upstream health, traffic), the search box filters, a broken reload shows
// its file:line:column, the two workers converge, and no secret of the config is
// in the page or in any answer the browser received. One browser and one gateway
// for the whole file (CI time); every wait is on a condition, never a sleep.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { chromium, type Browser, type Page } from 'playwright-core'
import { rawRequest } from '../helpers/raw.js'
import { serveProcess } from '../helpers/serve-process.js'
import { startUpstream } from '../helpers/upstream.js'

const CHROMIUM = '/usr/bin/chromium'
// Not a skip: CI installs chromium (.ci/run), so its absence is a broken machine.
if (!existsSync(CHROMIUM))
  throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium; .ci/run does) to run the status page tests`)

const ENV = { REDIS_PASSWORD: 'vault-value-SECRET-7', LOG_TOKEN: 'vault-value-SECRET-8' }
const LITERALS = ['alice-key-SECRET-1', 'alice-pass-SECRET-2', 'alice-jwt-SECRET-3', 'bob-key-SECRET-4', 'redis-user-SECRET-5', 'log-header-SECRET-6']
const SECRETS = [...LITERALS, ...Object.values(ENV)]

const config = (upstreamPort: number, itemsPath = '/items') => `_format_version: "3.0"
services:
  - name: billing
    url: http://127.0.0.1:${upstreamPort}/billing
    plugins:
      - name: rate-limiting
        instance_name: billing-limit
        config:
          minute: 1000
          policy: local
          redis: { username: redis-user-SECRET-5, password: "{vault://env/redis-password}" }
    routes:
      - name: billing-invoices
        paths: [/invoices]
        plugins:
          - name: key-auth
            config: { key_names: [apikey] }
      - name: billing-refunds
        paths: [/refunds]
        methods: [POST]
  - name: catalog
    host: catalog-up
    routes:
      - name: catalog-items
        paths: [${itemsPath}]
        plugins:
          - name: http-log
            config:
              http_endpoint: http://127.0.0.1:9/logs
              headers:
                X-Log-Token: log-header-SECRET-6
                X-From-Vault: "{vault://env/log-token}"
consumers:
  - username: alice
    custom_id: alice-001
    keyauth_credentials:
      - key: alice-key-SECRET-1
    basicauth_credentials:
      - username: alice
        password: alice-pass-SECRET-2
    jwt_secrets:
      - key: alice-iss
        secret: alice-jwt-SECRET-3
  - username: bob
    keyauth_credentials:
      - key: bob-key-SECRET-4
plugins:
  - name: prometheus
    config: { status_code_metrics: true, latency_metrics: true }
  - name: rate-limiting
    instance_name: alice-limit
    consumer: alice
    route: billing-invoices
    config: { minute: 5, policy: local }
upstreams:
  - name: catalog-up
    targets:
      - target: 127.0.0.1:${upstreamPort}
        weight: 100
`

const dir = mkdtempSync(join(tmpdir(), 'gw-status-page-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const file = join(dir, 'kong.yml')

let browser: Browser
let admin: string
let proxy: string
let upstreamPort: number
/** Every answer the browser received, all pages of the file: checked for secrets at the end. */
const received: { url: string; body: Promise<string> }[] = []

t.before(async () => {
  const up = await startUpstream('backend')
  t.teardown(() => up.close())
  upstreamPort = up.port
  writeFileSync(file, config(upstreamPort))
  const gw = serveProcess(
    t,
    ['--config', file, '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', '--workers', '2'],
    Object.fromEntries(Object.entries(ENV)),
  )
  const started = (await gw.waitFor((l) => l.msg === 'gateway started')) as unknown as { proxy: string[]; admin: string }
  admin = `http://${started.admin}`
  proxy = `http://${started.proxy[0]}`
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    // launch() gives Chromium a fresh empty profile directory of its own (and removes it on close).
  })
  t.teardown(() => browser.close())
})

/** A new page on the status page (fast refresh), recording every answer it receives. */
async function open(t: Test): Promise<Page> {
  const context = await browser.newContext()
  t.teardown(() => context.close())
  const page = await context.newPage()
  page.on('response', (r) =>
    received.push({
      url: r.url(),
      body: r.body().then(
        (b) => b.toString('utf8'),
        () => '',
      ),
    }),
  )
  await page.goto(`${admin}/?refresh=300`)
  await page.waitForSelector('body[data-hash]')
  return page
}

/** What the functions run in the page use of the DOM (the tests are type-checked without the DOM library). */
declare const document: {
  querySelector(selector: string): { textContent: string | null } | null
  querySelectorAll(selector: string): { length: number }
}

const texts = async (page: Page, selector: string) => (await page.locator(selector).allInnerTexts()).map((x) => x.trim())
/** The data-name of the rows the filter leaves visible. */
const visible = async (page: Page, selector: string) =>
  Promise.all((await page.locator(`${selector}:not([hidden])`).all()).map(async (row) => (await row.getAttribute('data-name')) ?? ''))

t.test('API clients keep the JSON at /, browsers get the page under a strict CSP', async (t) => {
  for (const accept of [undefined, '*/*', 'application/json', 'application/json, text/html']) {
    const r = await rawRequest(`${admin}/`, { headers: accept === undefined ? {} : { accept } })
    t.match(r.headers['content-type'], /^application\/json/, `Accept: ${accept ?? '(none)'}`)
    t.equal((JSON.parse(r.body) as { tagline: string }).tagline, 'Welcome to kong-yml-gateway')
  }
  const html = await rawRequest(`${admin}/`, { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } })
  t.match(html.headers['content-type'], /^text\/html/)
  t.match(html.headers['content-security-policy'], /script-src 'self';/)
  t.notMatch(html.headers['content-security-policy'], /unsafe-inline|unsafe-eval/)
  t.notMatch(html.body, /<script>|<script [^>]*>[^<]/, 'no inline script')
  t.notMatch(html.body, /https?:\/\//, 'nothing from another origin')
})

t.test('renders hash, services, routes with plugins in run order, upstreams, workers', async (t) => {
  const page = await open(t)
  const errors: string[] = []
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
  page.on('pageerror', (e) => errors.push(e.message))
  const status = JSON.parse((await rawRequest(`${admin}/status`)).body) as { configuration_hash: string }
  t.equal(await page.textContent('#hash'), status.configuration_hash, 'the configuration hash')
  t.same((await visible(page, '#services tbody tr')).sort(), ['billing', 'catalog'])
  t.same((await visible(page, '#routes tbody tr')).sort(), ['billing-invoices', 'billing-refunds', 'catalog-items'])
  t.same((await visible(page, '#consumers tbody tr')).sort(), ['alice', 'bob'])

  // key-auth (route, priority 1250) runs before rate-limiting (service, 910); alice's own limit is listed apart.
  const [invoices] = await texts(page, '#routes tr[data-name="billing-invoices"] td.plugins > .chain').then((chips) => [chips.join(' | ')])
  t.equal(invoices, 'key-auth route | rate-limiting service')
  t.match(await page.textContent('#routes tr[data-name="billing-invoices"] details'), /for consumer alice: rate-limiting\s*consumer\+route/)
  t.match(await page.textContent('#global-plugins'), /prometheus\s*global/)

  t.match(await page.textContent('#upstreams tr[data-name="catalog-up"]'), new RegExp(`127\\.0\\.0\\.1:${upstreamPort} weight 100 HEALTHCHECKS_OFF`))

  // --workers 2: both workers listed, each on the current hash.
  await page.waitForFunction(
    "document.querySelectorAll('#workers tbody tr').length === 2 && /^Converged/.test(document.querySelector('#converged').textContent)",
  )

  const workers = await texts(page, '#workers tbody tr')
  t.equal(workers.length, 2)
  for (const w of workers) t.match(w, new RegExp(`^\\d+\\s+${status.configuration_hash}\\s+current$`))
  t.same(errors, [], 'no script error, no CSP violation')
})

t.test('traffic: requests per route from the prometheus metrics', async (t) => {
  const page = await open(t)
  for (let i = 0; i < 3; i++) t.equal((await rawRequest(`${proxy}/items`)).status, 200)
  t.equal((await rawRequest(`${proxy}/invoices`, { headers: { apikey: 'alice-key-SECRET-1' } })).status, 200)
  t.equal((await rawRequest(`${proxy}/invoices`)).status, 401)
  // A function, not a string: the page's CSP forbids evaluating strings (unsafe-eval). No
  // named function inside it either: a loader (tsx) may wrap those in a helper the page lacks.
  await page.waitForFunction(() =>
    [
      ['catalog-items', 3],
      ['billing-invoices', 2],
    ].every(([route, n]) => Number(document.querySelector(`#traffic tr[data-route="${route}"] td.requests`)?.textContent ?? 0) >= Number(n)),
  )
  t.match(await page.textContent('#traffic tr[data-route="billing-invoices"]'), /2xx 1, 4xx 1/)
  t.match(await page.textContent('#traffic tr[data-route="catalog-items"]'), /\d+ ms \/ \d+ ms \/ \d+ ms/, 'latency quantiles')
})

t.test('the search box filters the lists', async (t) => {
  const page = await open(t)
  await page.fill('#search', 'refund')
  t.same(await visible(page, '#routes tbody tr'), ['billing-refunds'])
  t.same(await visible(page, '#services tbody tr'), [])
  t.same(await visible(page, '#consumers tbody tr'), [])
  await page.fill('#search', 'ALICE')
  t.same(await visible(page, '#consumers tbody tr'), ['alice'])
  t.same(await visible(page, '#routes tbody tr'), ['billing-invoices'], "the route with alice's own plugin")
  await page.fill('#search', 'key-auth')
  t.same(await visible(page, '#routes tbody tr'), ['billing-invoices'], 'plugins are searched too')
  await page.fill('#search', '')
  t.equal((await visible(page, '#routes tbody tr')).length, 3)
})

t.test('a broken reload shows its error with file:line:column; the old config keeps serving', async (t) => {
  const page = await open(t)
  const before = await page.textContent('#hash')
  const broken = config(upstreamPort, 'items-without-slash')
  writeFileSync(file, broken)
  const line = broken.split('\n').findIndex((l) => l.includes('items-without-slash')) + 1
  await page.waitForSelector('#reloads tr.reload-invalid')
  const shown = await page.textContent('#last-error')
  t.match(shown, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:${line}:\\d+`), 'file:line:column')
  t.match(shown, /routes\[\d+\]\.paths/, 'the entity path')
  t.equal(await page.textContent('#hash'), before, 'the served hash is unchanged')
  t.equal((await rawRequest(`${proxy}/items`)).status, 200, 'the running config keeps serving')

  // The file fixed: the error goes, the reload is applied.
  writeFileSync(file, config(upstreamPort))
  await page.waitForSelector('#last-error', { state: 'hidden' })
  t.equal(await page.textContent('#hash'), before)
})

t.test('no secret in the page or in any answer the browser received', async (t) => {
  const page = await open(t)
  await page.waitForSelector('#routes tbody tr')
  const html = await page.content()
  const bodies = await Promise.all(received.map(async (r) => ({ url: r.url, body: await r.body })))
  const urls = new Set(bodies.map((b) => new URL(b.url).pathname))
  for (const path of [
    '/',
    '/status-page/app.js',
    '/status',
    '/status/reloads',
    '/status/chains',
    '/status/upstreams',
    '/status/traffic',
    '/services',
    '/routes',
    '/consumers',
  ])
    t.ok(urls.has(path), `the browser fetched ${path}`)
  for (const secret of SECRETS) {
    t.notOk(html.includes(secret), `page: no ${secret}`)
    for (const b of bodies) if (b.body.includes(secret)) t.fail(`${b.url}: has ${secret}`)
  }
  t.comment(`${bodies.length} answers checked`)
})
