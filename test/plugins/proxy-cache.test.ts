// proxy-cache against a real upstream that counts requests: Miss/Hit/Refresh/Bypass,
// Kong's cache key, Cache-Control, TTLs, diagnostic headers and the memory bound.
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import t from 'tap'
import { request } from 'undici'
import { loadConfig } from '../../src/config/load.js'
import { MEMORY_STORES } from '../../src/plugins/proxy-cache/store.js'
import { createNodeState } from '../../src/node/state.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const ROUTE_ID = '3d1ab0c6-4a3f-4c55-9a53-6e3e2c1b7f01'
const ALICE_ID = '9b0a6b3e-1c1d-4d1e-8f4a-2a9e5d3c0a11'
let dictSeq = 0

// Each test gets its own store so entries never leak between tests.
const CONFIG = (pluginConfig = '', dict = `test-${++dictSeq}`) => `_format_version: "3.0"
services:
  - name: app
    url: $UPSTREAM
    routes:
      - name: app
        id: ${ROUTE_ID}
        paths: [/]
        plugins:
          - name: proxy-cache
            config:
              strategy: memory
              memory: { dictionary_name: ${dict} }
${pluginConfig.replace(/^/gm, '              ')}
`

// The upstream answers according to the query: ct (content-type), cc (cache-control),
// status, size (body bytes), expires; the body carries a counter so a replay is visible.
let served = 0
function upstream(req: IncomingMessage, res: ServerResponse): void {
  const q = new URL(req.url ?? '/', 'http://x').searchParams
  const headers: Record<string, string | string[]> = {
    'content-type': q.get('ct') ?? 'application/json',
    'x-custom': 'kept',
    'x-ratelimit-remaining-minute': '4',
    'set-cookie': ['a=1', 'b=2'],
  }
  if (q.has('cc')) headers['cache-control'] = q.get('cc')!
  if (q.has('expires')) headers['expires'] = q.get('expires')!
  const size = Number(q.get('size') ?? 0)
  const body = size > 0 ? 'x'.repeat(size) : JSON.stringify({ n: ++served, url: req.url })
  res.writeHead(Number(q.get('status') ?? 200), { ...headers, 'content-length': String(Buffer.byteLength(body)) })
  res.end(req.method === 'HEAD' ? undefined : body)
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

t.test('Miss, then Hit from memory: same body and headers, upstream saw one request', async (t) => {
  const { send, up } = await pluginGateway(t, CONFIG(), upstream)
  const a = await send('/json')
  t.equal(a.status, 200)
  t.equal(a.headers['x-cache-status'], 'Miss')
  t.match(a.headers['x-cache-key'], /^[0-9a-f]{64}$/)
  t.equal(a.headers['age'], undefined, 'no Age on a miss')
  t.ok(a.reached)

  const b = await send('/json')
  t.equal(b.status, 200)
  t.equal(b.headers['x-cache-status'], 'Hit')
  t.equal(b.headers['x-cache-key'], a.headers['x-cache-key'])
  t.match(b.headers['age'], /^\d+$/)
  t.equal(b.body, a.body, 'the stored body')
  t.equal(b.headers['content-type'], 'application/json')
  t.equal(b.headers['content-length'], String(Buffer.byteLength(a.body)))
  t.equal(b.headers['x-custom'], 'kept', 'end-to-end headers are replayed')
  t.same(b.headers['set-cookie'], ['a=1', 'b=2'])
  t.equal(b.headers['x-ratelimit-remaining-minute'], undefined, '*ratelimit-remaining* is not replayed')
  t.match(b.headers['x-kong-proxy-latency'], /^\d+$/, 'a hit counts as proxied')
  t.equal(b.headers['x-kong-upstream-latency'], '0')
  t.equal(b.headers['x-kong-response-latency'], undefined)
  t.not(b.headers['x-kong-request-id'], a.headers['x-kong-request-id'], 'the request id is this request’s')
  t.equal(b.reached, undefined)
  t.equal(up.requests.length, 1)
})

t.test('X-Cache-Key is sha256 of prefix|method|request line without query|params|headers', async (t) => {
  const { send } = await pluginGateway(t, CONFIG('vary_headers: [X-Foo, X_Bar]'), upstream)
  // No query: $request keeps its protocol tail.
  const plain = await send('/json')
  t.equal(plain.headers['x-cache-key'], sha256(`${ROUTE_ID}|GET|GET /json HTTP/1.1||`))
  // With a query: cut at '?'; arguments sorted by name, several values sorted and comma-joined, bare flags alone.
  const q = await send('/json?b=2&a=2&flag&a=1&sp=x+y%21', { headers: { 'x-foo': 'one', 'x-bar': 'two' } })
  t.equal(q.headers['x-cache-key'], sha256(`${ROUTE_ID}|GET|GET /json|a=1,2:b=2:flag:sp=x y!|X-Foo=one:X_Bar=two`))
  const reordered = await send('/json?flag&a=1&sp=x+y%21&a=2&b=2', { headers: { 'x-bar': 'two', 'x-foo': 'one' } })
  t.equal(reordered.headers['x-cache-key'], q.headers['x-cache-key'])
  t.equal(reordered.headers['x-cache-status'], 'Hit')
})

t.test('the consumer is part of the key: one entry per consumer', async (t) => {
  const yaml = `_format_version: "3.0"
consumers:
  - username: alice
    id: ${ALICE_ID}
    keyauth_credentials: [{ key: alice-key }]
  - username: bob
    keyauth_credentials: [{ key: bob-key }]
services:
  - name: app
    url: $UPSTREAM
    routes:
      - name: app
        id: ${ROUTE_ID}
        paths: [/]
        plugins:
          - name: key-auth
          - name: proxy-cache
            config: { strategy: memory, memory: { dictionary_name: consumers } }
`
  const { send, up } = await pluginGateway(t, yaml, upstream)
  const a = await send('/json', { headers: { apikey: 'alice-key' } })
  t.equal(a.headers['x-cache-key'], sha256(`${ALICE_ID}:${ROUTE_ID}|GET|GET /json HTTP/1.1||`))
  t.equal((await send('/json', { headers: { apikey: 'alice-key' } })).headers['x-cache-status'], 'Hit')
  const b = await send('/json', { headers: { apikey: 'bob-key' } })
  t.equal(b.headers['x-cache-status'], 'Miss', 'bob does not get alice’s entry')
  t.not(b.headers['x-cache-key'], a.headers['x-cache-key'])
  const denied = await send('/json')
  t.equal(denied.status, 401)
  t.equal(denied.headers['x-cache-status'], undefined, 'key-auth answered before proxy-cache ran')
  t.equal(up.requests.length, 2)
})

t.test('ignore_uri_case: the URI is lower-cased in the key', async (t) => {
  const { send, up } = await pluginGateway(t, CONFIG('ignore_uri_case: true'), upstream)
  const a = await send('/My/Json')
  t.equal(a.headers['x-cache-key'], sha256(`${ROUTE_ID}|GET|get /my/json http/1.1||`))
  const b = await send('/my/JSON')
  t.equal(b.headers['x-cache-status'], 'Hit')
  t.equal(up.requests.length, 1)
  const { send: sensitive } = await pluginGateway(t, CONFIG(), upstream)
  await sensitive('/My/Json')
  t.equal((await sensitive('/my/json')).headers['x-cache-status'], 'Miss', 'case matters by default')
})

t.test('cache_ttl: an entry expires from storage; storage_ttl keeps it for a Refresh', async (t) => {
  // spec/03-plugins/31-proxy-cache/02-access_spec.lua:501 (route-6: cache_ttl; route-9: storage_ttl)
  const { send, up } = await pluginGateway(t, CONFIG('cache_ttl: 1'), upstream)
  t.equal((await send('/json')).headers['x-cache-status'], 'Miss')
  t.equal((await send('/json')).headers['x-cache-status'], 'Hit')
  t.equal(up.requests.length, 1)
  await sleep(2100)
  const again = await send('/json')
  t.equal(again.headers['x-cache-status'], 'Miss', 'gone from storage after cache_ttl')
  t.ok(again.reached)
  t.equal(up.requests.length, 2)

  const long = await pluginGateway(t, CONFIG('cache_ttl: 1\nstorage_ttl: 60'), upstream)
  t.equal((await long.send('/json')).headers['x-cache-status'], 'Miss')
  t.equal((await long.send('/json')).headers['x-cache-status'], 'Hit')
  await sleep(2100)
  const refreshed = await long.send('/json')
  t.equal(refreshed.headers['x-cache-status'], 'Refresh', 'still stored, but older than cache_ttl')
  t.ok(refreshed.reached)
  const hit = await long.send('/json')
  t.equal(hit.headers['x-cache-status'], 'Hit', 'the refreshed response is stored again')
  t.equal(hit.body, refreshed.body)
  t.equal(long.up.requests.length, 2)
})

t.test('Bypass: method, status and content type not configured are never stored', async (t) => {
  const { send, up } = await pluginGateway(t, CONFIG(), upstream)
  for (let i = 0; i < 2; i++) {
    const post = await send('/json', { method: 'POST', body: '{}' })
    t.equal(post.headers['x-cache-status'], 'Bypass', 'POST')
    t.equal(post.headers['x-cache-key'], undefined, 'no key for an uncacheable request')
    const teapot = await send('/json?status=418')
    t.equal(teapot.status, 418)
    t.equal(teapot.headers['x-cache-status'], 'Bypass', 'status 418')
    t.match(teapot.headers['x-cache-key'], /^[0-9a-f]{64}$/, 'the key was computed before the response was judged')
    t.equal((await send('/json?ct=application/xml')).headers['x-cache-status'], 'Bypass', 'application/xml')
    t.equal((await send('/json?ct=application/json;%20charset=utf-8')).headers['x-cache-status'], 'Bypass', 'parameters must match too')
    t.equal((await send('/json?ct=')).headers['x-cache-status'], 'Bypass', 'empty content type')
  }
  t.equal(up.requests.length, 10, 'every request went upstream')
  t.equal((await send('/json?status=404')).headers['x-cache-status'], 'Miss', '404 is cacheable by default')
  t.equal((await send('/json?status=404')).headers['x-cache-status'], 'Hit')
})

t.test('content_type: case-insensitive type, exact parameters, type/* and */* wildcards', async (t) => {
  const { send } = await pluginGateway(t, CONFIG("content_type: ['text/plain; charset=utf-8', 'image/*', 'application/xml;']"), upstream)
  const status = async (ct: string) => (await send(`/x?ct=${encodeURIComponent(ct)}`)).headers['x-cache-status']
  t.equal(await status('Text/Plain;Charset=utf-8'), 'Miss', 'type and parameter names ignore case, spacing optional')
  t.equal(await status('text/plain; charset=UTF-8'), 'Bypass', 'parameter values are exact')
  t.equal(await status('text/plain'), 'Bypass', 'missing parameter')
  t.equal(await status('image/png'), 'Miss', 'type/*')
  t.equal(await status('image/png; q=1'), 'Bypass', 'wildcards keep parameters exact')
  t.equal(await status('application/xml;'), 'Bypass', 'a malformed entry matches nothing')
  const any = await pluginGateway(t, CONFIG("content_type: ['*/*']"), upstream)
  t.equal((await any.send('/x?ct=application/xml')).headers['x-cache-status'], 'Miss')
  t.equal((await any.send('/x?ct=application/xml')).headers['x-cache-status'], 'Hit')
  t.equal((await any.send('/x?ct=text/html;%20charset=utf-8')).headers['x-cache-status'], 'Bypass', '*/* without parameters')
})

t.test('vary_query_params and vary_headers', async (t) => {
  const { send, up } = await pluginGateway(t, CONFIG('vary_query_params: [foo]'), upstream)
  t.equal((await send('/json?foo=1&b=2')).headers['x-cache-status'], 'Miss')
  t.equal((await send('/json?b=3&foo=1')).headers['x-cache-status'], 'Hit', 'other parameters do not count')
  t.equal((await send('/json?foo=2')).headers['x-cache-status'], 'Miss')
  t.equal(up.requests.length, 2)

  const all = await pluginGateway(t, CONFIG(), upstream)
  t.equal((await all.send('/json?a=1&b=2')).headers['x-cache-status'], 'Miss')
  t.equal((await all.send('/json?b=2&a=1')).headers['x-cache-status'], 'Hit', 'all parameters, in any order')
  t.equal((await all.send('/json?a=1')).headers['x-cache-status'], 'Miss')
  t.equal((await all.send('/json?a=1&b=2', { headers: { 'x-foo': 'z' } })).headers['x-cache-status'], 'Hit', 'headers do not count by default')

  const hdr = await pluginGateway(t, CONFIG('vary_headers: [X-Foo]'), upstream)
  t.equal((await hdr.send('/json', { headers: { 'x-foo': 'bar' } })).headers['x-cache-status'], 'Miss')
  t.equal((await hdr.send('/json', { headers: { 'X-FOO': 'bar' } })).headers['x-cache-status'], 'Hit')
  t.equal((await hdr.send('/json', { headers: { 'x-foo': 'baz' } })).headers['x-cache-status'], 'Miss')
  t.equal((await hdr.send('/json')).headers['x-cache-status'], 'Miss', 'absent is its own entry')
  t.equal(hdr.up.requests.length, 3)
})

t.test('cache_control: request directives', async (t) => {
  // spec/03-plugins/31-proxy-cache/02-access_spec.lua:706 (min-fresh), :816 (only-if-cached)
  const { send, up } = await pluginGateway(t, CONFIG('cache_control: true'), upstream)
  const path = '/json?cc=public,max-age=60'
  for (const h of [{ 'cache-control': 'no-cache' }, { 'cache-control': 'no-store' }, { authorization: 'Bearer x' }] as Record<string, string>[]) {
    const r = await send(path, { headers: h })
    t.equal(r.headers['x-cache-status'], 'Bypass', JSON.stringify(h))
    t.equal(r.headers['x-cache-key'], undefined)
  }
  t.equal(up.requests.length, 3)
  t.equal((await send(path)).headers['x-cache-status'], 'Miss', 'nothing was stored by the bypassed requests')
  t.equal((await send(path)).headers['x-cache-status'], 'Hit')
  const fresh = await send(path, { headers: { 'cache-control': 'min-fresh=120' } })
  t.equal(fresh.headers['x-cache-status'], 'Refresh', 'min-fresh beyond the remaining TTL')
  t.ok(fresh.reached)

  const only = await send('/json?cc=max-age=60&other=1', { headers: { 'cache-control': 'only-if-cached' } })
  t.equal(only.status, 504, 'only-if-cached and nothing stored')
  t.equal(only.body, '')
  t.match(only.headers['x-cache-key'], /^[0-9a-f]{64}$/)
  t.equal(only.reached, undefined)
  t.equal((await send(path, { headers: { 'cache-control': 'only-if-cached' } })).headers['x-cache-status'], 'Hit', 'stored: served')

  const { send: plain } = await pluginGateway(t, CONFIG(), upstream)
  t.equal((await plain('/json', { headers: { 'cache-control': 'no-cache' } })).headers['x-cache-status'], 'Miss', 'ignored without cache_control')
  t.equal((await plain('/json?other', { headers: { 'cache-control': 'only-if-cached' } })).status, 200)
})

t.test('cache_control: response directives decide and set the TTL', async (t) => {
  // spec/03-plugins/31-proxy-cache/02-access_spec.lua:589 (max-age expiry), :719 (request max-age), :769 (max-stale)
  const { send, up } = await pluginGateway(t, CONFIG('cache_control: true'), upstream)
  for (const cc of ['private, max-age=60', 'no-store', 'no-cache, max-age=60', 'max-age=0', 'public']) {
    const p = `/json?cc=${encodeURIComponent(cc)}`
    t.equal((await send(p)).headers['x-cache-status'], 'Bypass', cc)
    t.equal((await send(p)).headers['x-cache-status'], 'Bypass', `${cc}: not stored`)
  }
  t.equal((await send('/json')).headers['x-cache-status'], 'Bypass', 'no Cache-Control: TTL 0')
  t.equal((await send('/json?cc=max-age%3D60')).headers['x-cache-status'], 'Miss', 'public is not required')
  t.equal((await send('/json?cc=max-age%3D60')).headers['x-cache-status'], 'Hit')
  t.equal((await send('/json?cc=s-maxage%3D60')).headers['x-cache-status'], 'Miss')
  t.equal((await send('/json?cc=s-maxage%3D60')).headers['x-cache-status'], 'Hit')
  const expires = encodeURIComponent(new Date(Date.now() + 600_000).toUTCString())
  t.equal((await send(`/json?expires=${expires}`)).headers['x-cache-status'], 'Miss', 'Expires in the future')
  t.equal((await send(`/json?expires=${expires}`)).headers['x-cache-status'], 'Hit')
  const past = encodeURIComponent(new Date(Date.now() - 600_000).toUTCString())
  t.equal((await send(`/json?expires=${past}`)).headers['x-cache-status'], 'Bypass', 'Expires in the past')
  const before = up.requests.length

  // max-age=1: stored for one second only; max-stale compares against that TTL.
  t.equal((await send('/json?cc=max-age%3D1')).headers['x-cache-status'], 'Miss')
  t.equal((await send('/json?cc=max-age%3D1')).headers['x-cache-status'], 'Hit')
  const kept = await pluginGateway(t, CONFIG('cache_control: true\nstorage_ttl: 60'), upstream)
  for (const p of ['/json?cc=max-age%3D1', '/json?cc=max-age%3D1&b', '/json?cc=max-age%3D1&c']) t.equal((await kept.send(p)).headers['x-cache-status'], 'Miss')
  await sleep(2100)
  t.equal((await send('/json?cc=max-age%3D1')).headers['x-cache-status'], 'Miss', 'expired with the response TTL')
  t.equal(up.requests.length, before + 2)
  const stale = await kept.send('/json?cc=max-age%3D1', { headers: { 'cache-control': 'max-stale=0' } })
  t.equal(stale.headers['x-cache-status'], 'Refresh', 'older than its TTL plus max-stale')
  const old = await kept.send('/json?cc=max-age%3D1&b', { headers: { 'cache-control': 'max-age=0' } })
  t.equal(old.headers['x-cache-status'], 'Refresh', 'older than the client’s max-age')
  const fine = await kept.send('/json?cc=max-age%3D1&c', { headers: { 'cache-control': 'max-stale=3600' } })
  t.equal(fine.headers['x-cache-status'], 'Hit', 'past its TTL but within max-stale')
  t.equal(fine.reached, undefined)
})

t.test('response_headers off: no diagnostic headers unless Kong-Debug is sent', async (t) => {
  // spec/03-plugins/31-proxy-cache/02-access_spec.lua:431
  const off = "response_headers: { age: false, 'X-Cache-Status': false, 'X-Cache-Key': false }"
  const { send } = await pluginGateway(t, CONFIG(off), upstream)
  const miss = await send('/json')
  t.equal(miss.headers['x-cache-status'], undefined)
  t.equal(miss.headers['x-cache-key'], undefined)
  const hit = await send('/json')
  t.equal(hit.reached, undefined, 'still cached')
  t.equal(hit.headers['x-cache-status'], undefined)
  t.equal(hit.headers['x-cache-key'], undefined)
  t.equal(hit.headers['age'], undefined)
  const debug = await send('/json', { headers: { 'kong-debug': '1' } })
  t.equal(debug.headers['x-cache-status'], 'Hit')
  t.match(debug.headers['x-cache-key'], /^[0-9a-f]{64}$/)
  t.match(debug.headers['age'], /^\d+$/)
  t.equal((await send('/json?n', { headers: { 'kong-debug': '' } })).headers['x-cache-status'], 'Miss', 'any value, even empty')
  t.equal((await send('/json?n', { method: 'POST', headers: { 'kong-debug': '1' } })).headers['x-cache-status'], 'Bypass')

  const { send: capital } = await pluginGateway(t, CONFIG('response_headers: { Age: false }'), upstream)
  await capital('/json')
  const c = await capital('/json')
  t.equal(c.headers['x-cache-status'], 'Hit')
  t.equal(c.headers['age'], undefined, '`Age: false` wins over the default `age: true`')

  const { send: onlyAge } = await pluginGateway(t, CONFIG("response_headers: { 'X-Cache-Status': false }"), upstream)
  await onlyAge('/json')
  const h = await onlyAge('/json')
  t.equal(h.headers['x-cache-status'], undefined)
  t.match(h.headers['age'], /^\d+$/)
  t.match(h.headers['x-cache-key'], /^[0-9a-f]{64}$/)
})

t.test('HEAD is cached apart from GET and answered without a body', async (t) => {
  const { gw, up } = await pluginGateway(t, CONFIG(), upstream)
  const head = async () => {
    const r = await request(`${gw.url}/json`, { method: 'HEAD' })
    await r.body.text()
    return r
  }
  t.equal((await head()).headers['x-cache-status'], 'Miss')
  const h = await head()
  t.equal(h.headers['x-cache-status'], 'Hit')
  t.equal(h.headers['content-type'], 'application/json')
  t.equal(up.requests.length, 1)
  const g = await request(`${gw.url}/json`)
  const body = await g.body.text()
  t.equal(g.headers['x-cache-status'], 'Miss', 'GET has its own key')
  t.match(body, /"n":/)
})

t.test('the store is per dictionary_name and survives a config reload', async (t) => {
  const { send, gw, up } = await pluginGateway(t, CONFIG('', 'reload-dict'), upstream)
  t.equal((await send('/json')).headers['x-cache-status'], 'Miss')
  writeFileSync(gw.file, CONFIG('cache_ttl: 600', 'reload-dict').replaceAll('$UPSTREAM', up.url))
  const r = await gw.reload(true)
  t.equal(r.result, 'applied', 'reloaded')
  const after = await send('/json')
  t.equal(after.headers['x-cache-status'], 'Hit', 'the entry outlived the old config')
  t.equal(up.requests.length, 1)
  t.equal(gw.node.slot(MEMORY_STORES).get('reload-dict').size, 1)
})

t.test('memory bound: many large responses never grow the store past its byte size', async (t) => {
  const MAX = 1024 * 1024
  // The dictionary's size is the node's (Kong: the lua_shared_dict's), set before the config that uses it is compiled.
  const node = createNodeState()
  node.slot(MEMORY_STORES).setBytes('bounded', MAX)
  t.teardown(() => node.close())
  const { send, up } = await pluginGateway(t, CONFIG("content_type: ['text/plain']", 'bounded'), upstream, { node })
  const store = node.slot(MEMORY_STORES).get('bounded')
  for (let i = 0; i < 40; i++) {
    const r = await send(`/big?i=${i}&ct=text/plain&size=100000`)
    t.equal(r.headers['x-cache-status'], 'Miss')
    t.equal(r.body.length, 100000)
    t.ok(store.calculatedSize <= MAX, `after ${i + 1} responses: ${store.calculatedSize} bytes`)
  }
  t.ok(store.size >= 5 && store.size <= 10, `about 10 entries of 100 kB fit in 1 MiB (${store.size})`)
  t.equal((await send('/big?i=39&ct=text/plain&size=100000')).headers['x-cache-status'], 'Hit', 'the newest is kept')
  t.equal((await send('/big?i=0&ct=text/plain&size=100000')).headers['x-cache-status'], 'Miss', 'the oldest was evicted')
  t.equal(up.requests.length, 41)
  const tooBig = await send(`/big?i=x&ct=text/plain&size=${MAX + 1}`)
  t.equal(tooBig.body.length, MAX + 1, 'a response larger than the store is still answered')
  t.equal((await send(`/big?i=x&ct=text/plain&size=${MAX + 1}`)).headers['x-cache-status'], 'Miss', 'but never stored')
})

const load = (cfg: string) => loadConfig(`_format_version: "3.0"\nplugins:\n  - name: proxy-cache\n    config: ${cfg}\n`, { file: 'k.yml' })
const issues = (r: Awaited<ReturnType<typeof loadConfig>>) => (r.ok ? [] : r.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.message}`))

t.test('schema: Kong defaults, messages and scopes', async (t) => {
  const ok = await load('{ strategy: memory }')
  t.ok(ok.ok)
  if (ok.ok) {
    t.same(ok.config.plugins[0]!.config, {
      response_code: [200, 301, 404],
      request_method: ['GET', 'HEAD'],
      content_type: ['text/plain', 'application/json'],
      cache_ttl: 300,
      strategy: 'memory',
      cache_control: false,
      ignore_uri_case: false,
      memory: { dictionary_name: 'kong_db_cache' },
      response_headers: { age: true, 'X-Cache-Status': true, 'X-Cache-Key': true },
    })
    t.same([...ok.config.plugins[0]!.protocols].sort(), ['grpc', 'grpcs', 'http', 'https'])
  }
  t.same(issues(await load('{}')), ['4:13 plugins[0].config.strategy required field missing'])
  t.same(issues(await load('{ strategy: redis }')), ['4:25 plugins[0].config.strategy expected one of: memory'])
  t.same(issues(await load('{ strategy: memory, cache_ttl: 0 }')), ['4:44 plugins[0].config.cache_ttl value must be greater than 0'])
  t.same(issues(await load('{ strategy: memory, cache_ttl: 1.5 }')), ['4:44 plugins[0].config.cache_ttl expected an integer'])
  t.same(issues(await load('{ strategy: memory, response_code: [] }')), ['4:48 plugins[0].config.response_code length must be at least 1'])
  t.same(issues(await load('{ strategy: memory, response_code: [99, 901] }')), [
    '4:49 plugins[0].config.response_code[0] value should be between 100 and 900',
    '4:53 plugins[0].config.response_code[1] value should be between 100 and 900',
  ])
  t.same(issues(await load('{ strategy: memory, request_method: [GET, DELETE] }')), [
    '4:55 plugins[0].config.request_method[1] expected one of: HEAD, GET, POST, PATCH, PUT',
  ])
  t.match(issues(await load('{ strategy: memory, response_headers: { AGE: true } }')).join('\n'), /response_headers\.AGE unknown field/)
  const spelled = await load('{ strategy: memory, response_headers: { Age: false } }')
  if (spelled.ok)
    t.same(
      spelled.config.plugins[0]!.config.response_headers,
      { age: true, Age: false, 'X-Cache-Status': true, 'X-Cache-Key': true },
      'the `Age` spelling is accepted',
    )
  else t.fail('Age refused')
  const full = await load(
    '{ strategy: memory, storage_ttl: 60, vary_headers: [a], vary_query_params: [b], response_headers: { age: false }, memory: { dictionary_name: x } }',
  )
  t.ok(full.ok)
  if (full.ok) t.same(full.config.plugins[0]!.config.response_headers, { age: false, 'X-Cache-Status': true, 'X-Cache-Key': true })
  const scoped = await loadConfig(
    '_format_version: "3.0"\nconsumers:\n  - username: a\n    plugins:\n      - name: proxy-cache\n        config: { strategy: memory }\n',
    { file: 'k.yml' },
  )
  t.ok(scoped.ok, 'Kong allows proxy-cache on a consumer')
})

t.test('a response that will not be cached streams (no buffering); a cacheable one is buffered to be stored', async (t) => {
  const { send } = await pluginGateway(t, CONFIG(), (req, res) => {
    // Chunked, no Content-Length: a buffered response would get one.
    res.writeHead(200, { 'content-type': req.url?.includes('html') ? 'text/html' : 'application/json' })
    res.write('{"a":')
    res.end('1}')
  })
  const bypass = await send('/page?html=1')
  t.equal(bypass.headers['x-cache-status'], 'Bypass')
  t.equal(bypass.headers['content-length'], undefined, 'streamed as it came')
  t.equal(bypass.headers['transfer-encoding'], 'chunked')
  t.equal(bypass.body, '{"a":1}')
  const miss = await send('/data')
  t.equal(miss.headers['x-cache-status'], 'Miss')
  t.equal(miss.headers['content-length'], '7', 'buffered to be stored')
  t.equal((await send('/data')).headers['x-cache-status'], 'Hit')
})
