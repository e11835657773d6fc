// bot-detection against a real upstream: built-in rules, allow/deny, duplicate User-Agent.
import t from 'tap'
import { request } from 'undici'
import { loadConfig } from '../../src/config/load.js'
import { BOT_PATTERNS } from '../../src/plugins/bot-detection/rules.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const CONFIG = (pluginConfig = '{}') => `_format_version: "3.0"
services:
  - name: app
    url: $UPSTREAM
    routes:
      - name: app
        paths: [/]
        plugins:
          - name: bot-detection
            config: ${pluginConfig}
`

const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36'

t.test('built-in rules: crawlers and HTTP client libraries get 403 Forbidden', async (t) => {
  // spec/03-plugins/21-bot-detection/01-access_spec.lua:170 (more agents than the spec's two)
  const { send } = await pluginGateway(t, CONFIG())
  for (const ua of [
    'Googlebot/2.1 (+http://www.google.com/bot.html)',
    'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
    'Go-http-client/1.1',
    'Python-urllib/3.11',
    'okhttp/4.12.0',
    'axios/1.6.2',
    'Apache-HttpClient/4.5.14 (Java/17)',
    'facebookexternalhit/1.1',
    'MyCustomSpider/1.0',
    ' Go-http-client/2.0 ',
  ]) {
    const r = await send('/x', { headers: { 'user-agent': ua } })
    t.equal(r.status, 403, ua)
    t.equal(r.json().message, 'Forbidden')
    t.equal(r.reached, undefined)
  }
  const again = await send('/x', { headers: { 'user-agent': 'Go-http-client/1.1' } })
  t.equal(again.status, 403, 'a cached verdict answers the same')
})

t.test('browsers, curl and requests without a User-Agent pass', async (t) => {
  const { send } = await pluginGateway(t, CONFIG())
  for (const ua of [BROWSER, 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0', 'curl/8.4.0', 'PostmanRuntime/7.36.0', '']) {
    const r = await send('/x', { headers: { 'user-agent': ua } })
    t.equal(r.status, 200, JSON.stringify(ua))
    t.equal(r.reached!.headers['user-agent'], ua)
  }
  const { gw, up } = await pluginGateway(t, CONFIG())
  const none = await request(`${gw.url}/x`, { headers: [] })
  await none.body.text()
  t.equal(none.statusCode, 200)
  t.equal(up.requests[0]!.headers['user-agent'], undefined, 'no User-Agent at all')
})

t.test('allow beats deny and the built-in rules; deny refuses', async (t) => {
  // spec/03-plugins/21-bot-detection/01-access_spec.lua:212, :235
  const { send } = await pluginGateway(t, CONFIG("{ allow: ['^Go-http-client/1\\.1$', '(?i)friendlybot'], deny: ['Chrome/120', '^curl/'] }"))
  t.equal((await send('/x', { headers: { 'user-agent': 'Go-http-client/1.1' } })).status, 200, 'allow-listed bot')
  t.equal((await send('/x', { headers: { 'user-agent': 'Go-http-client/2.0' } })).status, 403, 'other versions are still bots')
  t.equal((await send('/x', { headers: { 'user-agent': 'FRIENDLYBOT/3 Chrome/120' } })).status, 200, '(?i) makes the rule case-insensitive; allow first')
  const d = await send('/x', { headers: { 'user-agent': BROWSER } })
  t.equal(d.status, 403)
  t.equal(d.json().message, 'Forbidden')
  t.match(d.json().request_id, /^[0-9a-f]{32}$/, 'kong.response.error template')
  t.equal(d.reached, undefined)
  t.equal((await send('/x', { headers: { 'user-agent': 'curl/8.4.0' } })).status, 403)
  t.equal((await send('/x', { headers: { 'user-agent': 'Mozilla/5.0 Firefox/121.0' } })).status, 200)
})

t.test('more than one User-Agent header: 400 Only one User-Agent header allowed', async (t) => {
  const { gw, up } = await pluginGateway(t, CONFIG())
  const r = await request(`${gw.url}/x`, { headers: ['user-agent', BROWSER, 'user-agent', 'curl/8.4.0'] })
  const body = (await r.body.json()) as { message: string }
  t.equal(r.statusCode, 400)
  t.equal(body.message, 'Only one User-Agent header allowed')
  t.equal(up.requests.length, 0)
})

t.test('the built-in list: 14 patterns from Kong, all valid JavaScript regexes', async (t) => {
  t.equal(BOT_PATTERNS.length, 14)
  for (const p of BOT_PATTERNS) t.doesNotThrow(() => new RegExp(p))
})

const load = (cfg: string, extra = '') =>
  loadConfig(`_format_version: "3.0"\nplugins:\n  - name: bot-detection\n${extra}    config: ${cfg}\n`, { file: 'k.yml' })
const issues = (r: Awaited<ReturnType<typeof loadConfig>>) => (r.ok ? [] : r.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.message}`))

t.test('schema: defaults, invalid regexes, consumer scope refused', async (t) => {
  const ok = await loadConfig('_format_version: "3.0"\nplugins:\n  - name: bot-detection\n', { file: 'k.yml' })
  t.ok(ok.ok)
  if (ok.ok) {
    t.same(ok.config.plugins[0]!.config, { allow: [], deny: [] })
    t.same([...ok.config.plugins[0]!.protocols].sort(), ['grpc', 'grpcs', 'http', 'https'])
  }
  t.same(issues(await load("{ deny: ['ok', 'bad(', ''] }")), [
    '4:28 plugins[0].config.deny[1] not a valid regex: bad(',
    '4:36 plugins[0].config.deny[2] length must be at least 1',
  ])
  t.match(issues(await load('{ allow: bot }')).join('\n'), /config\.allow expected an array/)
  const scoped = await loadConfig('_format_version: "3.0"\nconsumers:\n  - username: a\n    plugins:\n      - name: bot-detection\n', { file: 'k.yml' })
  t.notOk(scoped.ok)
  if (!scoped.ok) t.match(scoped.issues[0]!.message, /value must be null/)
})
