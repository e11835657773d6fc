// request-callout: real callout targets and a real echo upstream behind the gateway.
import t, { type Test } from 'tap'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { loadConfig } from '../../src/config/load.js'
import { setLuaEngine } from '../../src/plugins/request-callout/lua.js'
import { lua } from '../../src/lua/engine.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'
import { startRedis } from '../helpers/redis.js'
import { startUpstream, type Upstream } from '../helpers/upstream.js'

type Route = (req: IncomingMessage, res: ServerResponse, body: string) => void

const json = (res: ServerResponse, status: number, v: unknown) => {
  const out = JSON.stringify(v)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) })
  res.end(out)
}

/** A callout target answering with `route`; closed when the test ends. */
async function target(t: Test, route: Route): Promise<Upstream> {
  const up = await startUpstream('target', route)
  t.teardown(() => up.close())
  return up
}

const yamlWith = (plugin: string) => `_format_version: "3.0"
services:
  - name: s
    url: $UPSTREAM
    routes: [{ name: r, paths: [/] }]
plugins:
  - name: request-callout
    config:
${plugin
  .split('\n')
  .filter(Boolean)
  .map((l) => `      ${l}`)
  .join('\n')}
`

t.test('orchestration: the second callout reads the first one (the seed scenario)', async (t) => {
  const api = await target(t, (req, res) => {
    const u = new URL(req.url!, 'http://x')
    if (u.pathname === '/users/1') return json(res, 200, { id: 7, name: 'Leanne' })
    if (u.pathname === '/posts') return json(res, 200, [{ id: 1, userId: Number(u.searchParams.get('userId')) }])
    json(res, 404, {})
  })
  const g = await pluginGateway(
    t,
    yamlWith(`callouts:
- name: c1
  request: { method: GET, url: "${api.url}/users/1" }
  response: { body: { decode: true } }
- name: c2
  request:
    method: GET
    url: "${api.url}/posts"
    query: { custom: { userId: "$(callouts.c1.response.body.id)" } }
  response: { body: { decode: true } }
upstream:
  headers:
    custom:
      X-User: "$(callouts.c1.response.body.name)"
      X-Posts-Status: "$(callouts.c2.response.status)"
      X-First-Post-User: "$(callouts.c2.response.body[1].userId)"`),
  )
  const r = await g.send('/x')
  t.equal(r.status, 200)
  t.same(
    api.requests.map((q) => q.url),
    ['/users/1', '/posts?userId=7'],
  )
  t.equal(r.reached?.headers['x-user'], 'Leanne')
  t.equal(r.reached?.headers['x-posts-status'], '200')
  t.equal(r.reached?.headers['x-first-post-user'], '7')
})

t.test('auth header injection: a token from a POST callout, secrets from the env vault', async (t) => {
  const tokens = await target(t, (req, res, body) => {
    const b = JSON.parse(body) as Record<string, string>
    if (req.method !== 'POST' || b.client_secret !== 's3cret' || b.grant_type !== 'client_credentials') return json(res, 401, { error: 'denied' })
    json(res, 200, { access_token: 'tok-123', token_type: 'Bearer' })
  })
  const g = await pluginGateway(
    t,
    yamlWith(`callouts:
- name: auth
  request:
    url: "{vault://env/token-url}"
    method: POST
    body:
      custom:
        grant_type: client_credentials
        client_id: "{vault://env/client-id}"
        client_secret: "{vault://env/client-secret}"
  response: { body: { store: true, decode: true } }
upstream:
  headers:
    custom:
      Authorization: Bearer $(callouts.auth.response.body.access_token)`),
    undefined,
    { env: { TOKEN_URL: `${tokens.url}/oauth/token`, CLIENT_ID: 'app', CLIENT_SECRET: 's3cret' } },
  )
  const r = await g.send('/get')
  t.equal(r.status, 200)
  t.equal(r.reached?.headers.authorization, 'Bearer tok-123')
  t.equal(tokens.requests.length, 1)
  t.equal(tokens.requests[0]!.url, '/oauth/token')
  t.match(tokens.requests[0]!.headers['content-type'], /^application\/json/)
  t.same(JSON.parse(tokens.requests[0]!.body), { grant_type: 'client_credentials', client_id: 'app', client_secret: 's3cret' })
})

t.test('independent callouts run concurrently', async (t) => {
  const slow = await target(t, (_req, res) => void setTimeout(() => json(res, 200, { ok: true }), 300))
  const g = await pluginGateway(
    t,
    yamlWith(`callouts:
- { name: a, request: { url: "${slow.url}/a" } }
- { name: b, request: { url: "${slow.url}/b" } }`),
  )
  const started = Date.now()
  const r = await g.send('/')
  const elapsed = Date.now() - started
  t.equal(r.status, 200)
  t.equal(slow.requests.length, 2)
  t.ok(elapsed >= 300, `took ${elapsed} ms`)
  t.ok(elapsed < 550, `two 300 ms callouts took ${elapsed} ms`)
})

t.test('depends_on orders callouts listed in reverse', async (t) => {
  let n = 0
  const api = await target(t, (req, res) => json(res, 200, { seq: ++n, url: req.url }))
  const g = await pluginGateway(
    t,
    yamlWith(`callouts:
- name: second
  depends_on: [first]
  request: { url: "${api.url}/second", query: { custom: { after: "$(callouts.first.response.body.seq)" } } }
  response: { body: { decode: true } }
- name: first
  request: { url: "${api.url}/first" }
  response: { body: { decode: true } }`),
  )
  const r = await g.send('/')
  t.equal(r.status, 200)
  t.same(
    api.requests.map((q) => q.url),
    ['/first', '/second?after=1'],
  )
})

t.test('error policies', async (t) => {
  let hits = 0
  let failFirst = 0
  const api = await target(t, (req, res) => {
    hits++
    if (req.url === '/flaky' && failFirst-- > 0) return json(res, 503, { down: true })
    if (req.url === '/down') return json(res, 500, { down: true })
    json(res, 200, { ok: true })
  })
  const dead = await startUpstream('dead')
  const deadUrl = dead.url
  await dead.close()

  t.test('fail: an error status answers error_response_code with the message; the upstream is not reached', async (t) => {
    hits = 0
    const g = await pluginGateway(t, yamlWith(`callouts:\n- { name: c, request: { url: "${api.url}/down", error: { http_statuses: [500] } } }`))
    const r = await g.send('/')
    t.equal(r.status, 400)
    t.equal(r.json().message, 'service callout error')
    t.equal(r.reached, undefined)
    t.equal(hits, 1)
  })

  t.test('fail: a status not listed in http_statuses is not an error', async (t) => {
    const g = await pluginGateway(t, yamlWith(`callouts:\n- { name: c, request: { url: "${api.url}/down", error: { http_statuses: [502] } } }`))
    const r = await g.send('/')
    t.equal(r.status, 200)
    t.ok(r.reached)
  })

  t.test('fail: a TCP error', async (t) => {
    const g = await pluginGateway(
      t,
      yamlWith(`callouts:\n- { name: c, request: { url: "${deadUrl}/", error: { error_response_code: 502, error_response_msg: "token service down" } } }`),
    )
    const r = await g.send('/')
    t.equal(r.status, 502)
    t.equal(r.json().message, 'token service down')
    t.equal(r.reached, undefined)
  })

  t.test('retry: retries then fails, with a templated message', async (t) => {
    hits = 0
    const g = await pluginGateway(
      t,
      yamlWith(`callouts:
- name: c
  request:
    url: "${api.url}/down"
    error: { on_error: retry, retries: 3, http_statuses: [500], error_response_code: 503, error_response_msg: "callout said $(callouts.c.response.status)" }`),
    )
    const r = await g.send('/')
    t.equal(r.status, 503)
    t.equal(r.json().message, 'callout said 500')
    t.equal(hits, 4, 'one try and three retries')
    t.equal(r.reached, undefined)
  })

  t.test('retry: a retry that succeeds proxies, and the retries are recorded', async (t) => {
    hits = 0
    failFirst = 1
    const g = await pluginGateway(
      t,
      yamlWith(`callouts:
- { name: c, request: { url: "${api.url}/flaky", error: { on_error: retry, http_statuses: [503] } } }
upstream:
  headers: { custom: { X-Retries: "$(callouts.c.request.n_retries)", X-Reason: "$(callouts.c.request.retries[1].reason)", X-Code: "$(callouts.c.request.retries[1].http_code)" } }`),
    )
    const r = await g.send('/')
    t.equal(r.status, 200)
    t.equal(hits, 2)
    t.equal(r.reached?.headers['x-retries'], '1')
    t.equal(r.reached?.headers['x-reason'], 'code')
    t.equal(r.reached?.headers['x-code'], '503')
  })

  t.test('retry: TCP errors are retried', async (t) => {
    const g = await pluginGateway(
      t,
      yamlWith(`callouts:
- { name: c, request: { url: "${deadUrl}/", error: { on_error: retry, retries: 1, error_response_code: 504 } } }`),
    )
    const r = await g.send('/')
    t.equal(r.status, 504)
    t.equal(r.json().message, 'service callout error')
  })

  t.test('continue: the error response is stored and the request goes on', async (t) => {
    const g = await pluginGateway(
      t,
      yamlWith(`callouts:
- { name: c, request: { url: "${api.url}/down", error: { on_error: continue, http_statuses: [500] } } }
- { name: d, request: { url: "${deadUrl}/", error: { on_error: continue } } }
upstream:
  headers: { custom: { X-Status: "$(callouts.c.response.status)", X-Dead: "[$(callouts.d.response.status)]" } }`),
    )
    const r = await g.send('/')
    t.equal(r.status, 200)
    t.equal(r.reached?.headers['x-status'], '500')
    t.equal(r.reached?.headers['x-dead'], '[]')
  })
})

t.test('caching', async (t) => {
  let hits = 0
  const api = await target(t, (_req, res) => json(res, 200, { n: ++hits }))
  const conf = (dict: string, bypass: boolean) =>
    yamlWith(`callouts:
- { name: c, request: { url: "${api.url}/v" }, response: { body: { decode: true } }, cache: { bypass: ${bypass} } }
upstream: { headers: { custom: { X-N: "$(callouts.c.response.body.n)" } } }
cache: { strategy: memory, memory: { dictionary_name: ${dict} } }`)

  t.test('memory: the second request is served from the cache', async (t) => {
    hits = 0
    const g = await pluginGateway(t, conf('rc_test_1', false))
    t.equal((await g.send('/')).reached?.headers['x-n'], '1')
    const r = await g.send('/')
    t.equal(r.reached?.headers['x-n'], '1')
    t.equal(hits, 1)
  })

  t.test('bypass: never cached', async (t) => {
    hits = 0
    const g = await pluginGateway(t, conf('rc_test_2', true))
    await g.send('/')
    t.equal((await g.send('/')).reached?.headers['x-n'], '2')
    t.equal(hits, 2)
  })

  t.test('off (the default): every request calls out', async (t) => {
    hits = 0
    const g = await pluginGateway(t, yamlWith(`callouts:\n- { name: c, request: { url: "${api.url}/v" } }`))
    await g.send('/')
    await g.send('/')
    t.equal(hits, 2)
  })

  t.test('the key includes forwarded request headers', async (t) => {
    hits = 0
    const g = await pluginGateway(
      t,
      yamlWith(`callouts:
- { name: c, request: { url: "${api.url}/v", headers: { forward: true } } }
cache: { strategy: memory, memory: { dictionary_name: rc_test_3 } }`),
    )
    await g.send('/', { headers: { 'x-who': 'a' } })
    await g.send('/', { headers: { 'x-who': 'b' } })
    await g.send('/', { headers: { 'x-who': 'a' } })
    t.equal(hits, 2)
  })

  t.test('redis: the second request is served from Redis', async (t) => {
    hits = 0
    const redis = await startRedis(t)
    const g = await pluginGateway(
      t,
      yamlWith(`callouts:
- { name: c, request: { url: "${api.url}/v" }, response: { body: { decode: true } } }
upstream: { headers: { custom: { X-N: "$(callouts.c.response.body.n)" } } }
cache: { strategy: redis, cache_ttl: 60, redis: { host: 127.0.0.1, port: ${redis.port} } }`),
    )
    t.equal((await g.send('/')).reached?.headers['x-n'], '1')
    t.equal((await g.send('/')).reached?.headers['x-n'], '1')
    t.equal(hits, 1)
  })
})

t.test('upstream customisation', async (t) => {
  const api = await target(t, (_req, res) => json(res, 200, { v: 'from-callout' }))

  t.test('null removes a header, a query argument and a body field; values are set', async (t) => {
    const g = await pluginGateway(
      t,
      yamlWith(`callouts:
- { name: c, request: { url: "${api.url}/" }, response: { body: { decode: true } } }
upstream:
  headers: { custom: { X-Drop: null, X-Add: "$(callouts.c.response.body.v)" } }
  query: { custom: { drop: null, add: "q-$(callouts.c.response.body.v)" } }
  body: { custom: { secret: null, added: "$(callouts.c.response.body.v)", n: 5 } }`),
    )
    const r = await g.send('/p?drop=1&keep=2', {
      method: 'POST',
      headers: { 'x-drop': 'yes', 'x-keep': 'k', 'content-type': 'application/json' },
      body: '{"secret":"x","keep":true}',
    })
    t.equal(r.status, 200)
    t.equal(r.reached?.headers['x-drop'], undefined)
    t.equal(r.reached?.headers['x-keep'], 'k')
    t.equal(r.reached?.headers['x-add'], 'from-callout')
    t.equal(r.reached?.url, '/p?keep=2&add=q-from-callout')
    t.same(JSON.parse(r.reached!.body), { keep: true, added: 'from-callout', n: 5 })
  })

  t.test('an empty body becomes {} with Content-Type JSON', async (t) => {
    const g = await pluginGateway(t, yamlWith(`callouts:\n- { name: c, request: { url: "${api.url}/" } }\nupstream: { body: { custom: { a: b } } }`))
    const r = await g.send('/')
    t.same(JSON.parse(r.reached!.body), { a: 'b' })
    t.equal(r.reached?.headers['content-type'], 'application/json')
  })

  t.test('forward false drops the incoming query and body', async (t) => {
    const g = await pluginGateway(
      t,
      yamlWith(`callouts:\n- { name: c, request: { url: "${api.url}/" } }\nupstream: { query: { forward: false }, body: { forward: false } }`),
    )
    const r = await g.send('/p?a=1', { method: 'POST', body: 'hello' })
    t.equal(r.reached?.url, '/p')
    t.equal(r.reached?.body, '')
  })

  t.test('callout request: forwarded headers and query, URL query replaced by custom', async (t) => {
    const g = await pluginGateway(
      t,
      yamlWith(`callouts:
- name: c
  request:
    url: "${api.url}/x?a=url&b=url"
    headers: { forward: true, custom: { X-Extra: "$(headers.x_in)" } }
    query: { forward: true, custom: { a: custom } }`),
    )
    await g.send('/?c=client', { headers: { 'x-in': 'in' } })
    const q = api.requests[api.requests.length - 1]!
    t.equal(q.url, '/x?a=custom&b=url&c=client')
    t.equal(q.headers['x-in'], 'in')
    t.equal(q.headers['x-extra'], 'in')
  })
})

const load = (conf: string) => loadConfig(`_format_version: "3.0"\nplugins:\n  - name: request-callout\n    config:\n${conf}`, { file: 'k.yml', env: {} })
const issues = (r: Awaited<ReturnType<typeof loadConfig>>) => (r.ok ? [] : r.issues.map((i) => `${i.line}:${i.column} ${i.message}`))

t.test('schema: defaults', async (t) => {
  const r = await load('      callouts:\n        - { name: c, request: { url: "http://127.0.0.1:9001/" } }\n')
  t.ok(r.ok)
  if (!r.ok) return
  const conf = r.config.plugins[0]!.config as Record<string, any>
  const c = conf.callouts[0]
  t.equal(c.request.method, 'GET')
  t.same(c.depends_on, [])
  t.same(c.request.headers, { forward: false })
  t.same(c.request.body, { forward: false, decode: false })
  t.same(c.request.http_opts, { ssl_verify: false })
  t.same(c.request.error, { on_error: 'fail', retries: 2, error_response_code: 400, error_response_msg: 'service callout error' })
  t.same(c.response, { headers: { store: true }, body: { store: true, decode: false } })
  t.same(c.cache, { bypass: false })
  t.same(conf.upstream, { headers: { forward: true }, query: { forward: true }, body: { forward: true, decode: true } })
  t.equal(conf.cache.strategy, 'off')
  t.equal(conf.cache.cache_ttl, 300)
  t.equal(conf.cache.memory.dictionary_name, 'kong_db_cache')
  t.equal(conf.cache.redis.port, 6379)
})

t.test('schema: errors with line and column', async (t) => {
  t.match(issues(await load('      callouts:\n        - { name: a, request: { url: "http://x/" } }\n        - { name: a, request: { url: "http://x/" } }\n')), [
    "7:19 duplicate callout name 'a'",
  ])
  t.match(issues(await load('      callouts:\n        - name: a\n          depends_on: [nope]\n          request: { url: "http://x/" }\n')), [
    "7:24 unknown callout 'nope'",
  ])
  t.match(
    issues(
      await load(
        '      callouts:\n        - { name: a, depends_on: [b], request: { url: "http://x/" } }\n        - { name: b, depends_on: [c], request: { url: "http://x/" } }\n        - { name: c, depends_on: [a], request: { url: "http://x/" } }\n',
      ),
    ),
    ['6:34 circular dependency between callouts: a -> b -> c -> a'],
  )
  t.match(
    issues(
      await load(
        '      callouts:\n        - { name: a, request: { url: "http://x/" } }\n      upstream:\n        headers:\n          custom:\n            X-T: "$(callouts.zz.response.status)"\n',
      ),
    ),
    ["10:18 unknown callout 'zz' in template '$(callouts.zz.response.status)'"],
  )
  t.match(issues(await load('      callouts:\n        - { name: a, request: { url: "http://x/", http_opts: { timeouts: { connect: 1 } } } }\n')), [
    /all or none of these fields must be set: 'connect', 'read', 'write'$/,
  ])
  t.match(issues(await load('      callouts:\n        - { name: a, request: { url: "http://x/", error: { on_error: nope } } }\n')), [
    /expected one of: continue, fail, retry$/,
  ])
  t.match(issues(await load('      callouts:\n        - { name: a }\n')), [/required field missing|Invalid input|expected/])
})

t.test('schema: Lua without the Lua engine', async (t) => {
  setLuaEngine(undefined)
  t.teardown(() => setLuaEngine(lua))
  t.match(
    issues(await load('      callouts:\n        - { name: a, request: { url: "http://x/" } }\n      upstream:\n        by_lua: kong.response.exit(200)\n')),
    ['8:17 the Lua engine is required for by_lua code'],
  )
  t.match(issues(await load('      callouts:\n        - { name: a, request: { url: "http://x/", by_lua: "x = 1" } }\n')), [
    /^6:\d+ the Lua engine is required for by_lua code$/,
  ])
  t.match(
    issues(
      await load('      callouts:\n        - { name: a, request: { url: "http://x/", headers: { custom: { X: "$(kong.request.get_header(\'a\'))" } } } }\n'),
    ),
    [/^6:\d+ the Lua engine is required for expression 'kong.request.get_header\('a'\)'$/],
  )
  // The built-in lookups need no engine.
  t.same(
    issues(await load('      callouts:\n        - { name: a, request: { url: "http://x/", headers: { custom: { X: "$(headers.a or query_params.b)" } } } }\n')),
    [],
  )
})

t.test('with the Lua engine', async (t) => {
  setLuaEngine(lua)
  let n = 0
  const api = await target(t, (req, res) => {
    const u = new URL(req.url!, 'http://x')
    if (u.pathname === '/uuid') return json(res, 200, { uuid: 'u-1' })
    if (u.pathname === '/anything') return json(res, 200, { url: 'http://x/anything' })
    if (u.pathname === '/users/1') return json(res, 200, { id: 1, name: 'Leanne' })
    if (u.pathname === '/posts')
      return json(res, 200, [
        { id: 1, userId: 1 },
        { id: 2, userId: 2 },
        { id: 3, userId: Number(u.searchParams.get('userId')) },
      ])
    json(res, 200, { n: ++n, path: u.pathname })
  })

  t.test('aggregation: upstream.by_lua answers with both callouts (the seed scenario)', async (t) => {
    const g = await pluginGateway(
      t,
      yamlWith(`callouts:
- { name: c1, request: { method: GET, url: "${api.url}/uuid" }, response: { body: { decode: true } } }
- { name: c2, request: { method: GET, url: "${api.url}/anything" }, response: { body: { decode: true } } }
upstream:
  by_lua: kong.response.exit(200, { uuid = kong.ctx.shared.callouts.c1.response.body.uuid,
    origin = kong.ctx.shared.callouts.c2.response.body.url})`),
    )
    const r = await g.send('/callout-aggregate')
    t.equal(r.status, 200)
    t.same(r.json(), { uuid: 'u-1', origin: 'http://x/anything' })
    t.equal(r.reached, undefined)
  })

  t.test('orchestration with the seed by_lua: user and filtered posts', async (t) => {
    const g = await pluginGateway(
      t,
      yamlWith(`callouts:
- { name: c1, request: { method: GET, url: "${api.url}/users/1" }, response: { body: { decode: true } } }
- name: c2
  request: { method: GET, url: "${api.url}/posts", query: { custom: { userId: "$(callouts.c1.response.body.id)" } } }
  response: { body: { decode: true } }
upstream:
  by_lua: |
    local user = kong.ctx.shared.callouts.c1.response.body
    local posts = kong.ctx.shared.callouts.c2.response.body
    local filtered_posts = {}
    for _, post in ipairs(posts) do
      if post.userId == user.id then
        table.insert(filtered_posts, post)
      end
    end
    kong.response.set_header("Content-Type", "application/json")
    kong.response.exit(200, { user = user, posts = filtered_posts })`),
    )
    const r = await g.send('/callout-orchestrate')
    t.equal(r.status, 200)
    t.same(r.json(), {
      user: { id: 1, name: 'Leanne' },
      posts: [
        { id: 1, userId: 1 },
        { id: 3, userId: 1 },
      ],
    })
    t.equal(r.reached, undefined)
  })

  t.test('a Lua expression in a template', async (t) => {
    const g = await pluginGateway(
      t,
      yamlWith(`callouts:
- { name: c, request: { url: "${api.url}/uuid" }, response: { body: { decode: true } } }
upstream: { headers: { custom: { X-Len: "$(#callouts.c.response.body.uuid)" } } }`),
    )
    const r = await g.send('/')
    t.equal(r.reached?.headers['x-len'], '3')
  })

  t.test('request.by_lua changes the callout request; response.by_lua changes what is stored', async (t) => {
    const g = await pluginGateway(
      t,
      yamlWith(`callouts:
- name: c1
  request:
    url: "${api.url}/uuid"
    by_lua: kong.ctx.shared.callouts.c1.request.params.url = "${api.url}/changed"
  response:
    body: { decode: true }
    by_lua: kong.ctx.shared.callouts.c1.response.body.extra = "yes"
upstream: { headers: { custom: { X-Extra: "$(callouts.c1.response.body.extra)", X-Path: "$(callouts.c1.response.body.path)" } } }`),
    )
    const r = await g.send('/')
    t.equal(r.reached?.headers['x-path'], '/changed')
    t.equal(r.reached?.headers['x-extra'], 'yes')
  })

  t.test('request.by_lua sets caching.cache_key: one entry for different requests', async (t) => {
    const before = n
    const g = await pluginGateway(
      t,
      yamlWith(`callouts:
- name: c1
  request:
    url: "${api.url}/counted"
    query: { forward: true }
    by_lua: kong.ctx.shared.callouts.c1.caching.cache_key = "fixed"
cache: { strategy: memory, memory: { dictionary_name: rc_lua_key } }`),
    )
    await g.send('/?a=1')
    await g.send('/?a=2')
    t.equal(n - before, 1)
  })

  t.test('upstream.by_lua changing a cached response changes it for its own request only', async (t) => {
    const g = await pluginGateway(
      t,
      yamlWith(`callouts:
- { name: c, request: { url: "${api.url}/cached-n" }, response: { body: { decode: true } } }
upstream:
  by_lua: |
    local body = kong.ctx.shared.callouts.c.response.body
    local before = body.n
    body.n = body.n + 100
    kong.response.exit(200, { before = before, after = kong.ctx.shared.callouts.c.response.body.n })
cache: { strategy: memory, memory: { dictionary_name: rc_lua_write } }`),
    )
    const first = (await g.send('/')).json() as { before: number; after: number }
    t.equal(first.after, first.before + 100)
    // Both later requests are cache hits: each sees the value the callout answered, not a change made by an earlier request.
    t.same((await g.send('/')).json(), first)
    t.same((await g.send('/')).json(), first)
  })

  t.test('a runtime error in by_lua answers 500', async (t) => {
    const g = await pluginGateway(
      t,
      yamlWith(`callouts:\n- { name: c, request: { url: "${api.url}/uuid" } }\nupstream: { by_lua: "local x = nil; return x.y" }`),
    )
    const r = await g.send('/')
    t.equal(r.status, 500)
    t.equal(r.json().message, 'An unexpected error occurred')
    t.equal(r.reached, undefined)
  })

  t.test('a syntax error is a validation error', async (t) => {
    t.match(issues(await load('      callouts:\n        - { name: a, request: { url: "http://x/" } }\n      upstream:\n        by_lua: "local = 1"\n')), [
      /^8:17 error parsing by_lua code \(line 1\): /,
    ])
  })
})

t.test('a templated url is rendered per request; one that renders to no URL answers 500', async (t) => {
  const api = await target(t, (req, res) => json(res, 200, { path: req.url }))
  const g = await pluginGateway(
    t,
    yamlWith(`callouts:
- name: c1
  request: { url: "${api.url}/items/$(query_params.id)" }
  response: { body: { decode: true } }
- name: c2
  request: { url: "$(headers.target)", error: { on_error: continue } }
upstream:
  headers:
    custom:
      X-Path: "$(callouts.c1.response.body.path)"`),
  )
  const r = await g.send('/x?id=42', { headers: { target: `${api.url}/other` } })
  t.equal(r.status, 200)
  t.equal(r.reached?.headers['x-path'], '/items/42')
  t.same(api.requests.map((q) => q.url).sort(), ['/items/42', '/other'])
  const bad = await g.send('/x?id=1', { headers: { target: 'not a url' } })
  t.equal(bad.status, 500)
  t.equal(bad.json().message, 'An unexpected error occurred')
  t.equal(bad.reached, undefined)
})

t.test('http_opts.proxy: the callout goes through the configured proxy, with its credentials', async (t) => {
  const api = await target(t, (_req, res) => json(res, 200, { ok: true }))
  const { createServer } = await import('node:http')
  const { connect } = await import('node:net')
  const seen: { method: string; url: string; auth: string | undefined }[] = []
  // A forward proxy: CONNECT tunnels, and absolute-form requests relayed.
  const proxy = createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, auth: req.headers['proxy-authorization'] })
    const u = new URL(req.url!)
    const up = connect(Number(u.port), u.hostname, () => {
      up.write(`${req.method} ${u.pathname}${u.search} HTTP/1.1\r\nhost: ${u.host}\r\nconnection: close\r\n\r\n`)
      up.pipe(res.socket!)
    })
  })
  proxy.on('connect', (req, socket, head) => {
    seen.push({ method: 'CONNECT', url: req.url!, auth: req.headers['proxy-authorization'] })
    const [host, port] = req.url!.split(':')
    const up = connect(Number(port), host!, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      up.write(head)
      up.pipe(socket)
      socket.pipe(up)
    })
    socket.on('error', () => up.destroy())
  })
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r))
  t.teardown(
    () =>
      new Promise<void>((r) => {
        proxy.closeAllConnections()
        proxy.close(() => r())
      }),
  )
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as import('node:net').AddressInfo).port}`
  const g = await pluginGateway(
    t,
    yamlWith(`callouts:
- name: c1
  request:
    url: "${api.url}/via-proxy"
    http_opts: { proxy: { http_proxy: "${proxyUrl}", auth_username: u1, auth_password: p1 } }
  response: { body: { decode: true } }
upstream:
  headers:
    custom:
      X-Ok: "$(callouts.c1.response.body.ok)"`),
  )
  const r = await g.send('/x')
  t.equal(r.status, 200)
  t.equal(r.reached?.headers['x-ok'], 'true')
  t.equal(seen.length, 1, 'one request through the proxy')
  t.match(seen[0]!.url, /127\.0\.0\.1/)
  t.equal(seen[0]!.auth, `Basic ${Buffer.from('u1:p1').toString('base64')}`)
  t.same(
    api.requests.map((q) => q.url),
    ['/via-proxy'],
  )
})
