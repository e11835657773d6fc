// request-callout's Lua on the compiled runtime, as Kong's docs describe the callout context
// (developer.konghq.com/plugins/request-callout, "Callout context" and "Lua code"): by_lua reading
// and changing callouts.<name>.request.params / .response, and callouts running at once that
// both write from their response.by_lua. Real callout targets and echo upstream on loopback.
import t, { type Test } from 'tap'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { stringify } from 'yaml'
import { pluginGateway, pluginLines } from '../helpers/plugin-gateway.js'
import { startUpstream, type Upstream } from '../helpers/upstream.js'

const json = (res: ServerResponse, status: number, v: unknown, headers: Record<string, string> = {}) => {
  const out = JSON.stringify(v)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out), ...headers })
  res.end(out)
}

/** A callout target; closed when the test ends. */
async function target(t: Test, route: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<Upstream> {
  const up = await startUpstream('target', route)
  t.teardown(() => up.close())
  return up
}

/** kong.yml: one route in front of the echo upstream, request-callout on it with `config`. */
const kongYml = (config: Record<string, unknown>) =>
  stringify(
    {
      _format_version: '3.0',
      services: [{ name: 's', url: '$UPSTREAM', routes: [{ name: 'r', paths: ['/'] }] }],
      plugins: [{ name: 'request-callout', config }],
    },
    { lineWidth: 0 },
  )

t.test("request.by_lua changes its callout's method, headers, query and body from an earlier callout's response", async (t) => {
  // No depends_on: Kong runs callouts in order, so a by_lua reading an earlier one (here through an alias) waits for it.
  const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = []
  const api = await target(t, (req, res, body) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers, body })
    if (req.url === '/token') return json(res, 200, { token: 'tok-1', user: { id: 7 } })
    json(res, 201, { ok: true })
  })
  const g = await pluginGateway(
    t,
    kongYml({
      callouts: [
        { name: 'auth', request: { url: `${api.url}/token` }, response: { body: { decode: true } } },
        {
          name: 'write',
          request: {
            url: `${api.url}/items`,
            by_lua: `local c = kong.ctx.shared.callouts
local p = c.write.request.params
p.method = "POST"
p.headers["X-Token"] = c.auth.response.body.token
p.query.owner = tostring(c.auth.response.body.user.id)
p.body = { owner = c.auth.response.body.user.id, tags = { "a", "b" } }`,
          },
          response: { body: { decode: true } },
        },
      ],
      upstream: {
        headers: { custom: { 'X-Write-Status': '$(callouts.write.response.status)', 'X-Write-Ok': '$(tostring(callouts.write.response.body.ok))' } },
      },
    }),
  )
  const r = await g.send('/')
  t.equal(r.status, 200)
  const write = seen.find((s) => s.url.startsWith('/items'))
  t.equal(write?.method, 'POST')
  t.equal(write?.url, '/items?owner=7')
  t.equal(write?.headers['x-token'], 'tok-1')
  t.same(JSON.parse(write?.body ?? 'null'), { owner: 7, tags: ['a', 'b'] }, 'a table body is sent as JSON')
  t.match(write?.headers['content-type'], /^application\/json/)
  t.equal(r.reached?.headers['x-write-status'], '201')
  t.equal(r.reached?.headers['x-write-ok'], 'true')
})

t.test('response.by_lua reads status and headers, and replaces the stored body and status', async (t) => {
  const api = await target(t, (_req, res) => json(res, 404, { error: 'missing' }, { 'x-rate': '41' }))
  const g = await pluginGateway(
    t,
    kongYml({
      callouts: [
        {
          name: 'lookup',
          request: { url: `${api.url}/thing` },
          response: {
            headers: { store: true },
            body: { decode: true },
            by_lua: `local res = kong.ctx.shared.callouts.lookup.response
if res.status == 404 then
  res.body = { found = false, reason = res.body.error, rate = tonumber(res.headers["x-rate"]) + 1 }
  res.status = 200
end`,
          },
        },
      ],
      upstream: {
        by_lua: `local res = kong.ctx.shared.callouts.lookup.response
kong.response.exit(res.status, res.body)`,
      },
    }),
  )
  const r = await g.send('/')
  t.equal(r.status, 200)
  t.same(r.json(), { found: false, reason: 'missing', rate: 42 })
  t.equal(r.reached, undefined)
})

t.test('request.by_lua sees retries; response.by_lua reads n_retries', async (t) => {
  let calls = 0
  const api = await target(t, (_req, res) => (++calls < 3 ? json(res, 503, {}) : json(res, 200, { done: true })))
  const g = await pluginGateway(
    t,
    kongYml({
      callouts: [
        {
          name: 'flaky',
          request: { url: `${api.url}/x`, error: { on_error: 'retry', retries: 3, http_statuses: [503] } },
          response: {
            body: { decode: true },
            by_lua: `local req = kong.ctx.shared.callouts.flaky.request
kong.ctx.shared.callouts.flaky.response.body.tries = req.n_retries .. ":" .. req.retries[1].reason .. ":" .. req.retries[1].http_code`,
          },
        },
      ],
      upstream: { headers: { custom: { 'X-Tries': '$(callouts.flaky.response.body.tries)' } } },
    }),
  )
  const r = await g.send('/')
  t.equal(r.status, 200)
  t.equal(r.reached?.headers['x-tries'], '2:code:503')
})

t.test('callouts running at once both write from response.by_lua: every write lands', async (t) => {
  // `slow` answers only once `fast` has answered, so fast's response.by_lua runs while slow is in flight.
  let fastDone: () => void = () => undefined
  const fastAnswered = new Promise<void>((resolve) => (fastDone = resolve))
  const inFlight: string[] = []
  const api = await target(t, (req, res) => {
    inFlight.push(req.url!)
    if (req.url === '/fast') {
      res.on('finish', () => fastDone())
      return json(res, 200, { name: 'fast' })
    }
    void fastAnswered.then(() => setImmediate(() => json(res, 200, { name: 'slow' })))
  })
  // Each names only its own callout, so neither waits for the other.
  const writer = (name: string) => `kong.ctx.shared.callouts.${name}.response.body.seen_by = "${name}"
kong.ctx.shared.order = (kong.ctx.shared.order or "") .. "${name};"
kong.ctx.shared.count = (kong.ctx.shared.count or 0) + 1`
  const g = await pluginGateway(
    t,
    kongYml({
      callouts: [
        { name: 'slow', request: { url: `${api.url}/slow` }, response: { body: { decode: true }, by_lua: writer('slow') } },
        { name: 'fast', request: { url: `${api.url}/fast` }, response: { body: { decode: true }, by_lua: writer('fast') } },
      ],
      upstream: {
        by_lua: `local s = kong.ctx.shared
kong.response.exit(200, { order = s.order, count = s.count, slow = s.callouts.slow.response.body, fast = s.callouts.fast.response.body })`,
      },
    }),
  )
  const r = await g.send('/')
  t.equal(r.status, 200)
  t.same(inFlight.slice(0, 2).sort(), ['/fast', '/slow'], 'both callouts were sent before either answered')
  t.same(r.json(), { order: 'fast;slow;', count: 2, slow: { name: 'slow', seen_by: 'slow' }, fast: { name: 'fast', seen_by: 'fast' } })
})

t.test('response.by_lua reading an earlier callout through an alias waits for it, as Kong runs callouts in order', async (t) => {
  // /first holds its answer for some turns of the event loop: a /second sent alongside it would arrive meanwhile.
  const events: string[] = []
  const api = await target(t, (req, res) => {
    if (req.url === '/second') {
      events.push('second sent')
      return json(res, 200, { n: 2 })
    }
    void (async () => {
      for (let i = 0; i < 20 && !events.includes('second sent'); i++) await new Promise((r) => setImmediate(r))
      events.push('first answered')
      json(res, 200, { n: 1 })
    })()
  })
  const g = await pluginGateway(
    t,
    kongYml({
      callouts: [
        { name: 'first', request: { url: `${api.url}/first` }, response: { body: { decode: true } } },
        {
          name: 'second',
          request: { url: `${api.url}/second` },
          response: {
            body: { decode: true },
            by_lua: 'local cs = kong.ctx.shared.callouts\ncs.second.response.body.sum = cs.first.response.body.n + cs.second.response.body.n',
          },
        },
      ],
      upstream: { headers: { custom: { 'X-Sum': '$(callouts.second.response.body.sum)' } } },
    }),
  )
  const r = await g.send('/')
  t.equal(r.status, 200)
  t.same(events, ['first answered', 'second sent'], 'the second callout went out after the first had answered')
  t.equal(r.reached?.headers['x-sum'], '3')
})

t.test('a Lua error in request.by_lua is a 500, logged with the message; the next request goes through', async (t) => {
  const api = await target(t, (_req, res) => json(res, 200, {}))
  const { lines, pluginLog } = pluginLines()
  const g = await pluginGateway(
    t,
    kongYml({
      callouts: [
        {
          name: 'c',
          request: { url: `${api.url}/x`, by_lua: `if kong.request.get_header("x-fail") then kong.ctx.shared.callouts.nope.request.params.url = "x" end` },
        },
      ],
    }),
    undefined,
    { pluginLog },
  )
  const r = await g.send('/', { headers: { 'x-fail': '1' } })
  t.equal(r.status, 500)
  t.equal(r.reached, undefined)
  t.match(lines.at(-1), { plugin: 'request-callout', fields: { error: /c\.request\.by_lua:1: attempt to index field 'nope' \(a nil value\)/ } })
  t.equal((await g.send('/')).status, 200, 'the next request goes through')
})
