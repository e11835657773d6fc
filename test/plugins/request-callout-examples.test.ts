// examples/request-callout: the README's three scenarios, run as written against
// the demo servers' behaviour (local servers on port 0 stand in for :9000-:9002).
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { fetchRaw, gateway } from '../helpers/gateway.js'

const json = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json' }).end(text)
}

async function serve(t: { teardown(fn: () => Promise<void> | void): void }, handler: Parameters<typeof createServer>[1]): Promise<string> {
  const s: Server = createServer(handler)
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise<void>((r) => s.close(() => r())))
  return `127.0.0.1:${(s.address() as AddressInfo).port}`
}

async function run(t: { teardown(fn: () => Promise<void> | void): void }, file: string, env: Record<string, string> = {}) {
  const api = await serve(t, (req, res) => {
    const u = new URL(req.url ?? '/', 'http://x')
    if (u.pathname === '/uuid') return json(res, 200, { uuid: 'u-42' })
    if (u.pathname === '/users/1') return json(res, 200, { id: 1, name: 'Leanne Graham' })
    if (u.pathname === '/posts')
      return json(res, 200, [
        { userId: 1, id: 1 },
        { userId: 2, id: 11 },
        { userId: 1, id: 2 },
      ])
    if (u.pathname === '/oauth/token') {
      let body = ''
      req.on('data', (c: Buffer) => (body += c))
      req.on('end', () => {
        const form = JSON.parse(body) as Record<string, string>
        json(res, form.client_secret === 's3cret' ? 200 : 401, { access_token: 'tok-123' })
      })
      return
    }
    json(res, 404, {})
  })
  const echo = await serve(t, (req, res) => json(res, 200, { url: `http://echo${req.url}`, headers: req.headers }))
  const yaml = readFileSync(file, 'utf8').replaceAll('127.0.0.1:9001', api).replaceAll('127.0.0.1:9000', echo).replaceAll('127.0.0.1:9002', echo)
  const gw = await gateway(yaml, { env: { ...env, TOKEN_URL: `http://${api}/oauth/token` } })
  t.teardown(() => gw.close())
  return gw
}

t.test('aggregation: two callouts, the response built by upstream.by_lua', async (t) => {
  const gw = await run(t, 'examples/request-callout/aggregation.yml')
  const r = await fetchRaw(`${gw.url}/callout-aggregate`)
  t.equal(r.status, 200)
  t.same(r.json(), { uuid: 'u-42', origin: 'http://echo/anything' })
})

t.test('orchestration: the second callout reads the first; posts filtered in Lua', async (t) => {
  const gw = await run(t, 'examples/request-callout/orchestration.yml')
  const r = await fetchRaw(`${gw.url}/callout-orchestrate`)
  t.equal(r.status, 200)
  t.same(r.json(), {
    user: { id: 1, name: 'Leanne Graham' },
    posts: [
      { userId: 1, id: 1 },
      { userId: 1, id: 2 },
    ],
  })
})

t.test('auth injection: a token from vault-referenced credentials, Bearer upstream', async (t) => {
  const gw = await run(t, 'examples/request-callout/auth-injection.yml', { CLIENT_ID: 'demo', CLIENT_SECRET: 's3cret' })
  const r = await fetchRaw(`${gw.url}/callout-auth`)
  t.equal(r.status, 200)
  t.equal(r.json<{ headers: Record<string, string> }>().headers.authorization, 'Bearer tok-123')
})
