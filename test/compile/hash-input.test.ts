// consistent-hashing and least-connections pick targets as Kong's algorithms do.
import t from 'tap'
import { balancedGateway, fetchRaw } from '../helpers/gateway.js'
import { startUpstream } from '../helpers/upstream.js'

t.test('hash_on header: one value always reaches one target; values spread', async (t) => {
  const a = await startUpstream('a')
  const b = await startUpstream('b')
  const gw = await balancedGateway(t, [a, b], 'hash_on: header\nhash_on_header: x-user')
  const seen = new Map<string, Set<string>>()
  for (let u = 0; u < 20; u++) {
    for (let i = 0; i < 3; i++) {
      const name = (await fetchRaw(`${gw.url}/`, { headers: { 'x-user': `user-${u}` } })).json().name as string
      if (!seen.has(`user-${u}`)) seen.set(`user-${u}`, new Set())
      seen.get(`user-${u}`)!.add(name)
    }
  }
  t.ok(
    [...seen.values()].every((s) => s.size === 1),
    'each user sticks to one target',
  )
  const targets = new Set([...seen.values()].map((s) => [...s][0]))
  t.same([...targets].sort(), ['a', 'b'], 'users spread over both targets')
})

t.test('hash_on cookie: a missing cookie is set, and then sticks', async (t) => {
  const a = await startUpstream('a')
  const b = await startUpstream('b')
  const gw = await balancedGateway(t, [a, b], 'hash_on: cookie\nhash_on_cookie: sticky\nhash_on_cookie_path: /app')
  const first = await fetchRaw(`${gw.url}/`)
  const cookie = String(first.headers['set-cookie'])
  t.match(cookie, /^sticky=[0-9a-f-]{36}; Path=\/app; Same-Site=Lax; HttpOnly$/)
  const value = cookie.split(';')[0]!
  const name = first.json().name
  for (let i = 0; i < 5; i++) {
    const r = await fetchRaw(`${gw.url}/`, { headers: { cookie: value } })
    t.equal(r.json().name, name)
    t.equal(r.headers['set-cookie'], undefined, 'no new cookie when the client has one')
  }
})

t.test('least-connections: a busy target is passed over', async (t) => {
  let release: () => void = () => {}
  const held = new Promise<void>((r) => (release = r))
  const a = await startUpstream('a', (_req, res) => {
    void held.then(() => res.end('a'))
  })
  const b = await startUpstream('b', (_req, res) => res.end('b'))
  const gw = await balancedGateway(t, [a, b], 'algorithm: least-connections')
  const slow = fetchRaw(`${gw.url}/`)
  await new Promise((r) => setTimeout(r, 100))
  t.equal((await fetchRaw(`${gw.url}/`)).body, 'b')
  t.equal((await fetchRaw(`${gw.url}/`)).body, 'b')
  release()
  t.equal((await slow).body, 'a')
})
