// The admin listener's GET /explain: answers from the Runtime serving now (a hot
// reload changes its answer), and agrees with what the proxy then does with the
// same requests, sent to a real upstream.
import { writeFileSync } from 'node:fs'
import t from 'tap'
import { fetchRaw, gateway } from '../helpers/gateway.js'
import { startUpstream } from '../helpers/upstream.js'

const config = (port: number, extra = '') => `_format_version: "3.0"
services:
  - name: api
    url: http://127.0.0.1:${port}/base
    routes:
      - { name: users, hosts: [api.test], paths: [/v1/users] }
      - { name: users-post, hosts: [api.test], methods: [POST], paths: [/v1/users] }
      - { name: by-id, paths: ["~/v1/items/(?<id>\\\\d+)$"], strip_path: false }
      - { name: v2, paths: [/v2], preserve_host: true, plugins: [{ name: key-auth }] }
      - { name: closed, paths: [/closed], plugins: [{ name: request-termination, config: { status_code: 418, message: not today } }] }
${extra}
consumers:
  - username: alice
    keyauth_credentials: [{ key: alice-admin-explain-key }]
`

async function setup(t: { teardown(fn: () => Promise<void>): void }) {
  const up = await startUpstream('api')
  const g = await gateway(config(up.port), { adminListen: '127.0.0.1:0', allowDebugHeader: true })
  t.teardown(async () => {
    await g.close()
    await up.close()
  })
  const ask = async (method: string, url: string, headers: string[] = []) => {
    const q = new URLSearchParams({ method, url })
    for (const h of headers) q.append('header', h)
    const r = await fetchRaw(`${g.adminUrl}/explain?${q}`)
    return { status: r.status, j: r.json<any>() }
  }
  return { up, g, ask }
}

t.test('the explain answer agrees with what the proxy does', async (t) => {
  const { up, g, ask } = await setup(t)
  const cases: [string, string, string, Record<string, string>][] = [
    ['GET', 'api.test', '/v1/users/7?x=1', {}],
    ['POST', 'api.test', '/v1/users', {}],
    ['GET', 'other.test', '/v1/items/42', {}],
    ['GET', 'api.test', '/v1/items/42/more', {}],
    ['GET', 'h.test', '/v2/a%20b', { apikey: 'alice-admin-explain-key' }],
    ['GET', 'h.test', '/v2/a', {}],
    ['GET', 'h.test', '/closed', {}],
  ]
  for (const [method, host, path, headers] of cases) {
    const label = `${method} ${host}${path}`
    const e = await ask(
      method,
      `http://${host}${path}`,
      Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    )
    t.equal(e.status, 200, label)
    const before = up.requests.length
    const r = await fetchRaw(`${g.url}${path}`, { method, headers: { host, 'kong-debug': '1', ...headers } })
    if (!e.j.matched) {
      t.equal(r.status, 404, label)
      t.equal(e.j.answer.status, 404, label)
      t.equal(up.requests.length, before, `${label}: nothing proxied`)
      continue
    }
    t.equal(r.headers['kong-route-name'], e.j.route.name, `${label}: route`)
    if (e.j.answer) {
      t.equal(r.status, e.j.answer.status, `${label}: early answer`)
      t.equal(up.requests.length, before, `${label}: nothing proxied`)
      continue
    }
    t.equal(r.status, 200, label)
    const seen = up.requests.at(-1)!
    t.equal(seen.url, e.j.upstream.path, `${label}: upstream path`)
    t.equal(seen.headers.host, e.j.upstream.host_header, `${label}: Host`)
  }
  t.notMatch(JSON.stringify(await ask('GET', 'http://h.test/v2?apikey=alice-admin-explain-key')), 'alice-admin-explain-key')
})

t.test('after a hot reload /explain answers from the new config; bad input is a 400', async (t) => {
  const { up, g, ask } = await setup(t)
  t.equal((await ask('GET', 'http://h.test/v3/x')).j.matched, false)
  writeFileSync(g.file, config(up.port, `      - { name: v3, paths: [/v3] }`))
  t.equal((await g.reload(true)).result, 'applied')
  const after = await ask('GET', 'http://h.test/v3/x')
  t.equal(after.j.matched, true)
  t.equal(after.j.route.name, 'v3')
  t.equal(after.j.upstream.path, '/base/x')
  const bad = await fetchRaw(`${g.adminUrl}/explain?method=GET`)
  t.equal(bad.status, 400)
  t.equal((await ask('GET', 'not a url')).status, 400)
})

t.test('consistent hashing: the target /explain picks is the one the proxy sends to', async (t) => {
  const ups = await Promise.all(['t1', 't2', 't3'].map((n) => startUpstream(n)))
  const targets = ups.map((u) => `      - { target: "127.0.0.1:${u.port}" }`).join('\n')
  const g = await gateway(
    `_format_version: "3.0"
upstreams:
  - name: by-cookie
    algorithm: consistent-hashing
    hash_on: cookie
    hash_on_cookie: hashme
    targets:
${targets}
  - name: by-header
    algorithm: consistent-hashing
    hash_on: header
    hash_on_header: x-user
    targets:
${targets}
services:
  - { name: sticky, host: by-cookie, routes: [{ name: sticky, paths: [/sticky] }] }
  - { name: per-user, host: by-header, routes: [{ name: per-user, paths: [/user] }] }
`,
    { adminListen: '127.0.0.1:0' },
  )
  t.teardown(async () => {
    await g.close()
    await Promise.all(ups.map((u) => u.close()))
  })
  const targetOf = (name: string) => `127.0.0.1:${ups.find((u) => u.requests.length > 0 && u.requests.at(-1)!.name === name)!.port}`
  const explain = async (url: string, headers: string[]) => {
    const q = new URLSearchParams({ method: 'GET', url })
    for (const h of headers) q.append('header', h)
    return (await fetchRaw(`${g.adminUrl}/explain?${q}`)).json<any>().upstream.balancer
  }
  const picks = new Set<string>()
  for (const value of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) {
    for (const [path, header] of [
      ['/sticky', `Cookie: hashme=${value}`],
      ['/user', `x-user: ${value}`],
    ] as const) {
      const b = await explain(`http://h.test${path}`, [header])
      const colon = header.indexOf(':')
      const r = await fetchRaw(`${g.url}${path}`, { headers: { [header.slice(0, colon)]: header.slice(colon + 2) } })
      t.equal(r.status, 200)
      t.equal(b.pick, targetOf(r.json<{ name: string }>().name), `${path} with ${header}`)
      picks.add(b.pick)
    }
  }
  t.ok(picks.size > 1, 'different values hash to different targets')
  // spec/02-integration/05-proxy/10-balancer/03-consistent-hashing_spec.lua:222: no cookie → the
  // gateway sets one; the request and every later one carrying it go to the same target.
  const first = await fetchRaw(`${g.url}/sticky`)
  const cookie = String(first.headers['set-cookie']).split(';')[0]!
  t.match(cookie, /^hashme=./)
  const fresh = await explain('http://h.test/sticky', [])
  t.match(fresh.pick_note, 'no hashme cookie: the gateway would set one with a random value')
  t.equal((await explain('http://h.test/sticky', [`Cookie: ${cookie}`])).pick, targetOf(first.json<{ name: string }>().name))
})
