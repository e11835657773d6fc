// The acme plugin against pebble (test/helpers/pebble.ts), its storage: Redis shared by two
// gateways under Kong's key names, and the backoff a failed order leaves in the storage.
import { X509Certificate } from 'node:crypto'
import t from 'tap'
import { Redis } from 'ioredis'
import { acmeGateway, DOMAIN, handshake, issued } from '../helpers/acme.js'
import { freePort, startPebble } from '../helpers/pebble.js'
import { startRedis } from '../helpers/redis.js'

// Each gateway makes Kong's RSA 4096 account key and pebble validates over real sockets: on a
// busy machine this takes longer than the suite's default 120 s per file.
t.setTimeout(300_000)

t.test('redis storage: the certificate one gateway obtained is served by another at once', async (t) => {
  const redis = await startRedis(t)
  const [gwPort, pebblePort] = [await freePort(), await freePort()]
  const pebble = await startPebble(t, { httpPort: gwPort, port: pebblePort })
  const storage = { storage: 'redis', storage_config: { redis: { host: '127.0.0.1', port: redis.port, extra_options: { namespace: 'ns1:' } } } }
  const { g } = await acmeGateway(t, pebble, gwPort, { domains: [DOMAIN], cert_type: 'ecc', ...storage })
  const { cert } = await issued(g.tls[0]!, DOMAIN)
  t.equal(cert.publicKey.asymmetricKeyType, 'ec', 'cert_type ecc: an EC key')

  const client = new Redis({ port: redis.port, host: '127.0.0.1', lazyConnect: true })
  t.teardown(() => client.disconnect())
  const stored = JSON.parse((await client.get(`ns1:kong_acme:cert_key:${DOMAIN}`)) ?? '{}') as { cert?: string; key?: string }
  t.equal(new X509Certificate(stored.cert ?? '').serialNumber, cert.serialNumber, "stored under Kong's key, after the namespace")
  t.match(stored.key, /BEGIN PRIVATE KEY/, 'with its key')
  const renew = JSON.parse((await client.get(`ns1:kong_acme:renew_config:${DOMAIN}`)) ?? '{}') as { host?: string; expire_at?: number }
  t.equal(renew.host, DOMAIN, 'and a renewal record')
  t.ok((renew.expire_at ?? 0) > Date.now() / 1000 + 89 * 86400, 'expiring in 90 days, as Kong writes it')

  const otherPort = await freePort()
  const { g: g2 } = await acmeGateway(t, pebble, otherPort, { domains: [DOMAIN], cert_type: 'ecc', ...storage })
  const first = await handshake(g2.tls[0]!, DOMAIN)
  t.equal(first.cert.serialNumber, cert.serialNumber, "the second gateway's first handshake gets it from Redis")
})

t.test('a failed order backs off for fail_backoff_minutes', async (t) => {
  const [gwPort, pebblePort] = [await freePort(), await freePort()]
  const pebble = await startPebble(t, { httpPort: gwPort, port: pebblePort })
  // No directory there (404): every order fails.
  const dead = { ...pebble, directory: `https://127.0.0.1:${pebblePort}/no-directory` }
  const { g, lines } = await acmeGateway(t, dead, gwPort, { domains: [DOMAIN] })
  const failures = () => lines.filter((l) => l.msg.startsWith(`failed to update certificate for host: ${DOMAIN}`)).map((l) => l.msg)
  await handshake(g.tls[0]!, DOMAIN)
  const deadline = Date.now() + 60_000
  while (failures().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  t.match(failures()[0], /could not create certificate for host: acme\.test err: /, 'the first order fails')
  // The negative cache lasts 5 s (Kong's CACHE_NEG_TTL); past it, the next handshake asks again.
  await new Promise((r) => setTimeout(r, 5_100))
  await handshake(g.tls[0]!, DOMAIN)
  while (failures().length < 2 && Date.now() < deadline + 10_000) await new Promise((r) => setTimeout(r, 50))
  t.match(
    failures()[1],
    /please try again in \d+ seconds for host acme\.test because of previous failure; this is configurable with config\.fail_backoff_minutes/,
    'the next attempt is refused until the backoff ends',
  )
  const wait = Number(/try again in (\d+) seconds/.exec(failures()[1] ?? '')?.[1])
  t.ok(wait > 280 && wait <= 300, `the wait is what is left of 5 minutes (${wait} s)`)
})
