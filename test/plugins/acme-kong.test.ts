// Kong's acme access specs (spec/03-plugins/29-acme/03-access_spec.lua, and the challenge part of
// 05-redis_storage_spec.lua) through a real gateway and a real upstream: the HTTP-01 challenge path
// is answered by acme (priority 1705) before key-auth (1250) can refuse it, for covered hosts only.
// Kong's spec seeds its `kong` storage (a database); here the same key goes into the node's shm
// zone, or into a real redis-server.
import t from 'tap'
import { Redis } from 'ioredis'
import { stringify } from 'yaml'
import { shmStorage } from '../../src/plugins/acme/storage.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'
import { startRedis } from '../helpers/redis.js'

const DUMMY_ID = 'ZR02iVO6PFywzFLj6igWHd6fnK2R07C-97dkQKC7vJo'
const DO_DOMAIN = 'acme.noatld'
const SKIP_DOMAIN = 'notacme.noatld'

const yml = (acme: Record<string, unknown>) =>
  stringify({
    _format_version: '3.0',
    services: [{ name: 'app', url: '$UPSTREAM', routes: [{ name: 'app', paths: ['/'] }] }],
    plugins: [
      { name: 'acme', config: { account_email: 'test@test.com', api_uri: 'https://api.acme.org', ...acme } },
      { name: 'key-auth', config: {} },
    ],
  })

const challenge = (token: string) => `/.well-known/acme-challenge/${token}`

t.test('03-access_spec: domains', async (t) => {
  const g = await pluginGateway(t, yml({ domains: [DO_DOMAIN, `*.subdomain.${DO_DOMAIN}`] }))
  await shmStorage(g.gw.node, 'kong').set(`${DUMMY_ID}#http-01`, 'isme')

  // spec/03-plugins/29-acme/03-access_spec.lua:63
  const sanity = await g.send(challenge('yay'), { headers: { host: DO_DOMAIN } })
  t.equal(sanity.status, 404, 'an unknown token: 404, key-auth does not run')
  t.match(sanity.body, /Not found/)
  const x = await g.send(challenge('x'), { headers: { host: DO_DOMAIN } })
  t.same([x.status, x.body], [404, 'Not found\n'], "the sanity token `x`: kong.response.exit(404, 'Not found\\n')")
  const known = await g.send(challenge(DUMMY_ID), { headers: { host: DO_DOMAIN } })
  t.equal(known.status, 200)
  t.equal(known.body, 'isme\n', 'the stored key authorization, as ngx.say writes it')
  t.equal(known.reached, undefined, 'the upstream never sees a challenge')

  // :89
  const skipped = await g.send(challenge('yay'), { headers: { host: SKIP_DOMAIN } })
  t.equal(skipped.status, 401, 'a host not in domains: key-auth takes over')

  // :100
  const wildcard = await g.send(challenge(DUMMY_ID), { headers: { host: `a.subdomain.${DO_DOMAIN}` } })
  t.same([wildcard.status, wildcard.body], [200, 'isme\n'], 'a subdomain of the wildcard domain')
  const unescaped = await g.send(challenge(DUMMY_ID), { headers: { host: `asdsubdomain.${DO_DOMAIN}` } })
  t.equal(unescaped.status, 401, "dots in the wildcard domain are dots: 'asdsubdomain' does not match")
})

t.test('03-access_spec: allow_any_domain', async (t) => {
  const g = await pluginGateway(t, yml({ allow_any_domain: true }))
  await shmStorage(g.gw.node, 'kong').set(`${DUMMY_ID}#http-01`, 'isme')
  // spec/03-plugins/29-acme/03-access_spec.lua:189
  for (const host of [`a.subdomain.${DO_DOMAIN}`, `asdsubdomain.${DO_DOMAIN}`, SKIP_DOMAIN]) {
    const r = await g.send(challenge(DUMMY_ID), { headers: { host } })
    t.same([r.status, r.body], [200, 'isme\n'], host)
  }
})

t.test('03-access_spec: enable_ipv4_common_name = false', async (t) => {
  const g = await pluginGateway(t, yml({ allow_any_domain: true, enable_ipv4_common_name: false, domains: [DO_DOMAIN, `*.subdomain.${DO_DOMAIN}`] }))
  await shmStorage(g.gw.node, 'kong').set(`${DUMMY_ID}#http-01`, 'isme')
  // spec/03-plugins/29-acme/03-access_spec.lua:284
  const r = await g.send(challenge(DUMMY_ID), { headers: { host: DO_DOMAIN } })
  t.same([r.status, r.body], [200, 'isme\n'])
  // :310
  const ip = await g.send(challenge('yay'), { headers: { host: '10.42.0.42' } })
  t.equal(ip.status, 401, 'a host that is an IPv4 address is not covered: key-auth takes over')
})

t.test('05-redis_storage_spec: challenges served from redis, in the configured namespace', async (t) => {
  const redis = await startRedis(t)
  const client = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true })
  t.teardown(() => client.disconnect())
  // spec/03-plugins/29-acme/05-redis_storage_spec.lua:440
  await client.set(`${DUMMY_ID}#http-01`, 'default')
  await client.set(`namespace1${DUMMY_ID}#http-01`, 'namespace1')
  const storage = (extra: Record<string, unknown>) => ({
    domains: ['mydomain.test'],
    storage: 'redis',
    storage_config: { redis: { host: '127.0.0.1', port: redis.port, ...extra } },
  })
  // :496
  const plain = await pluginGateway(t, yml(storage({})))
  const r = await plain.send(challenge(DUMMY_ID), { headers: { host: 'mydomain.test' } })
  t.same([r.status, r.body], [200, 'default\n'], 'the default (empty) namespace')
  // :510
  const spaced = await pluginGateway(t, yml(storage({ extra_options: { namespace: 'namespace1' } })))
  const n = await spaced.send(challenge(DUMMY_ID), { headers: { host: 'mydomain.test' } })
  t.same([n.status, n.body], [200, 'namespace1\n'], 'the namespace, put before the key as written')

  await redis.stop()
  const down = await spaced.send(challenge(DUMMY_ID), { headers: { host: 'mydomain.test' } })
  t.equal(down.status, 500, 'redis unreachable: 500 (ngx.exit(500) in lua-resty-acme)')
  t.notMatch(down.body, /redis|ECONNREFUSED/i, 'the reason stays in the log')
})
