// ldap-auth beyond the access spec: Kong's schema (02-schema_spec.lua), the bind cache
// (02-invalidations_spec.lua, observed through a slapd that is stopped), server errors and
// timeouts, LDAPS and StartTLS with verify_ldap_host, the connection pool (counted by a TCP relay
// in front of slapd), acl behind ldap-auth, and secrets kept out of the logs.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer as createHttpServer } from 'node:http'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { request } from 'undici'
import { stringify } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { pluginGateway, pluginLines } from '../helpers/plugin-gateway.js'
import { serveProcess } from '../helpers/serve-process.js'
import { ATTRIBUTE, BASE_DN, startSlapd } from '../helpers/slapd.js'

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64')
const ldapAuth = (user: string, password: string) => ({ authorization: `ldap ${b64(`${user}:${password}`)}` })

function yml(config: Record<string, unknown>, extra: unknown[] = []): string {
  return stringify(
    {
      _format_version: '3.0',
      services: [
        {
          name: 'app',
          url: '$UPSTREAM',
          routes: [
            {
              name: 'app',
              paths: ['/'],
              plugins: [{ name: 'ldap-auth', config: { ldap_host: '127.0.0.1', base_dn: BASE_DN, attribute: ATTRIBUTE, ...config } }, ...extra],
            },
          ],
        },
      ],
    },
    { lineWidth: 0 },
  )
}

/** Polls `check` until it holds (at most 10 s); the result says whether it did. */
async function eventually(check: () => Promise<boolean> | boolean): Promise<boolean> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (await check()) return true
    await new Promise((r) => setTimeout(r, 50))
  }
  return false
}

interface Relay {
  port: number
  /** Connections made so far. */
  opened(): number
  /** Connections open now. */
  open(): number
  /** Holds what clients send until release(). */
  hold(): void
  release(): void
}

/** A TCP relay to slapd that counts the connections made through it and those still open. */
async function relay(t: { teardown(fn: () => Promise<void>): void }, target: number): Promise<Relay> {
  let opened = 0
  const sockets = new Set<Socket>()
  let held: (() => void)[] | undefined
  const server: Server = createServer((client) => {
    opened++
    sockets.add(client)
    const upstream = connect(target, '127.0.0.1')
    upstream.pipe(client)
    // While held, what clients send waits here: their binds cannot finish, so they overlap.
    client.on('data', (d) => (held ? held.push(() => upstream.write(d)) : upstream.write(d)))
    const end = () => {
      sockets.delete(client)
      client.destroy()
      upstream.destroy()
    }
    client.on('close', end).on('error', end)
    upstream.on('close', end).on('error', end)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(async () => {
    for (const s of sockets) s.destroy()
    await new Promise<void>((r) => server.close(() => r()))
  })
  return {
    port: (server.address() as { port: number }).port,
    opened: () => opened,
    open: () => sockets.size,
    hold: () => (held = []),
    release: () => {
      const queued = held ?? []
      held = undefined
      for (const write of queued) write()
    },
  }
}

t.test("schema: Kong's defaults, checks and messages", async (t) => {
  const load = (config: Record<string, unknown>, where: 'plugins' | 'consumer' = 'plugins') =>
    loadConfig(
      stringify(
        where === 'plugins'
          ? { _format_version: '3.0', plugins: [{ name: 'ldap-auth', config }] }
          : { _format_version: '3.0', consumers: [{ username: 'a', plugins: [{ name: 'ldap-auth', config }] }] },
      ),
      { file: 'k.yml' },
    )
  const problems = (config: Record<string, unknown>) => {
    const r = load(config)
    return r.ok ? [] : r.issues.map((i) => `${i.path.replace('plugins[0].', '')} ${i.message}`)
  }
  // spec/03-plugins/20-ldap-auth/02-schema_spec.lua:6
  t.same(problems({ ldap_host: 'none', ldap_port: 389, ldaps: true, start_tls: true, base_dn: 'ou=users', attribute: 'cn' }), [
    "config 'ldaps' and 'start_tls' cannot be enabled simultaneously",
  ])
  // spec/03-plugins/20-ldap-auth/02-schema_spec.lua:14 and Kong's schema.lua defaults
  const r = load({ ldap_host: 'example.com', base_dn: 'dc=example.com,dc=com', attribute: 'cn' })
  t.ok(r.ok)
  if (r.ok)
    t.same(r.config.plugins[0]!.config, {
      ldap_host: 'example.com',
      ldap_port: 389,
      ldaps: false,
      start_tls: false,
      verify_ldap_host: false,
      base_dn: 'dc=example.com,dc=com',
      attribute: 'cn',
      cache_ttl: 60,
      hide_credentials: false,
      timeout: 10000,
      keepalive: 60000,
      header_type: 'ldap',
    })
  // spec/03-plugins/20-ldap-auth/02-schema_spec.lua:20
  const o = load({ ldap_host: 'example.com', ldap_port: 12345, base_dn: 'dc=example.com,dc=com', attribute: 'cn' })
  t.equal(o.ok && (o.config.plugins[0]!.config as { ldap_port: number }).ldap_port, 12345)
  // kong/plugins/ldap-auth/schema.lua: ldap_host, base_dn and attribute are required; the port is typedefs.port
  t.same(problems({}).sort(), ['config.attribute required field missing', 'config.base_dn required field missing', 'config.ldap_host required field missing'])
  t.same(problems({ ldap_host: 'h', base_dn: 'b', attribute: 'a', ldap_port: 65536 }), ['config.ldap_port value should be between 0 and 65535'])
  t.same(problems({ ldap_host: 'h', base_dn: 'b', attribute: 'a', cache_ttl: 'x' }), ['config.cache_ttl expected a number'])
  // Kong's OSS schema has no search or group fields (those are Enterprise's ldap-auth-advanced).
  t.match(problems({ ldap_host: 'h', base_dn: 'b', attribute: 'a', bind_dn: 'cn=admin' }).join('\n'), /bind_dn.*unknown field/)
  // typedefs.no_consumer
  t.notOk(load({ ldap_host: 'h', base_dn: 'b', attribute: 'a' }, 'consumer').ok, 'not on a consumer')
})

t.test('the bind, the cache, server errors', async (t) => {
  const slapd = await startSlapd(t)
  const { lines, pluginLog } = pluginLines()
  const g = await pluginGateway(t, yml({ ldap_port: slapd.port }), undefined, { pluginLog })

  // A password with a colon (only the first one separates), a UTF-8 username and password.
  t.equal((await g.send('/', { headers: ldapAuth('curie', 'radium:polonium') })).status, 200)
  let r = await g.send('/', { headers: ldapAuth('gödel', 'unvollständig') })
  t.equal(r.status, 200)
  t.equal(Buffer.from(r.reached?.headers['x-credential-identifier'] as string, 'latin1').toString('utf8'), 'gödel')
  // Proxy-Authorization first; a failure there falls back to Authorization (kong/plugins/ldap-auth/access.lua).
  r = await g.send('/', { headers: { 'proxy-authorization': `ldap ${b64('einstein:nope')}`, authorization: `ldap ${b64('newton:password')}` } })
  t.equal(r.status, 200)
  t.equal(r.reached?.headers['x-credential-identifier'], 'newton')

  // spec/03-plugins/20-ldap-auth/02-invalidations_spec.lua:83 and :108: both outcomes are cached
  t.equal((await g.send('/', { headers: ldapAuth('einstein', 'wrongpassword') })).status, 401)
  t.equal((await g.send('/', { headers: ldapAuth('einstein', 'password') })).status, 200)
  await slapd.stop()
  t.equal((await g.send('/', { headers: ldapAuth('einstein', 'password') })).status, 200, 'a success is answered from the cache')
  t.equal((await g.send('/', { headers: ldapAuth('einstein', 'wrongpassword') })).status, 401, 'a refusal is answered from the cache')
  // Another password for a cached user is never answered from the cache: it needs the server.
  r = await g.send('/', { headers: ldapAuth('einstein', 'password2') })
  t.equal(r.status, 500, 'the server is down: Kong raises an error')
  t.equal(r.json().message, 'An unexpected error occurred')
  t.equal(r.reached, undefined)
  t.ok(
    lines.some((l) => l.msg.startsWith(`failed to connect to 127.0.0.1:${slapd.port}:`)),
    'the failure is logged',
  )
  // The server's errors are not cached: once it is back, the same request is decided by it.
  await slapd.start()
  t.equal((await g.send('/', { headers: ldapAuth('einstein', 'password2') })).status, 401)

  // No password in any log line.
  for (const secret of ['password2', 'wrongpassword', 'radium:polonium', 'unvollständig', 'nope']) {
    t.notOk(
      lines.some((l) => JSON.stringify(l).includes(secret)),
      `"${secret}" is not logged`,
    )
  }
})

t.test('cache_ttl: an outcome expires', async (t) => {
  const slapd = await startSlapd(t)
  const g = await pluginGateway(t, yml({ ldap_port: slapd.port, cache_ttl: 1 }))
  t.equal((await g.send('/', { headers: ldapAuth('einstein', 'password') })).status, 200)
  await slapd.stop()
  // spec/03-plugins/20-ldap-auth/02-invalidations_spec.lua:131: once the ttl ran out, the server is asked again.
  t.ok(await eventually(async () => (await g.send('/', { headers: ldapAuth('einstein', 'password') })).status === 500))
})

t.test('server errors: 500 even with anonymous; a server that never answers times out', async (t) => {
  // A port nothing listens on.
  const closed = await new Promise<number>((resolve) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
  // A server that accepts and never answers.
  const held = new Set<Socket>()
  const silent = createServer((s) => held.add(s))
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
  t.teardown(() => {
    for (const s of held) s.destroy()
    silent.close()
  })
  const silentPort = (silent.address() as { port: number }).port
  const yaml = stringify(
    {
      _format_version: '3.0',
      consumers: [{ username: 'anon' }],
      services: [
        {
          name: 'app',
          url: '$UPSTREAM',
          routes: [
            {
              name: 'down',
              paths: ['/down'],
              plugins: [
                { name: 'ldap-auth', config: { ldap_host: '127.0.0.1', ldap_port: closed, base_dn: BASE_DN, attribute: ATTRIBUTE, anonymous: 'anon' } },
              ],
            },
            {
              name: 'silent',
              paths: ['/silent'],
              plugins: [{ name: 'ldap-auth', config: { ldap_host: '127.0.0.1', ldap_port: silentPort, base_dn: BASE_DN, attribute: ATTRIBUTE, timeout: 200 } }],
            },
          ],
        },
      ],
    },
    { lineWidth: 0 },
  )
  const g = await pluginGateway(t, yaml)
  let r = await g.send('/down', { headers: ldapAuth('einstein', 'password') })
  t.equal(r.status, 500)
  t.equal(r.reached, undefined)
  // Without credentials there is no bind: the anonymous consumer is used.
  r = await g.send('/down')
  t.equal(r.status, 200)
  t.equal(r.reached?.headers['x-consumer-username'], 'anon')
  r = await g.send('/silent', { headers: ldapAuth('einstein', 'password') })
  t.equal(r.status, 500, 'the bind timed out')
  t.equal(r.reached, undefined)
})

t.test('LDAPS and StartTLS, verify_ldap_host', async (t) => {
  const slapd = await startSlapd(t)
  const yaml = stringify(
    {
      _format_version: '3.0',
      services: [
        {
          name: 'app',
          url: '$UPSTREAM',
          routes: [
            ['ldaps', { ldap_port: slapd.tlsPort, ldaps: true }],
            ['ldaps-verify', { ldap_port: slapd.tlsPort, ldaps: true, verify_ldap_host: true }],
            ['starttls-verify', { ldap_port: slapd.port, start_tls: true, verify_ldap_host: true }],
            ['ldaps-plain', { ldap_port: slapd.port, ldaps: true }],
          ].map(([name, config]) => ({
            name,
            paths: [`/${name as string}`],
            plugins: [{ name: 'ldap-auth', config: { ldap_host: '127.0.0.1', base_dn: BASE_DN, attribute: ATTRIBUTE, ...(config as object) } }],
          })),
        },
      ],
    },
    { lineWidth: 0 },
  )
  const g = await pluginGateway(t, yaml)
  t.equal((await g.send('/ldaps', { headers: ldapAuth('einstein', 'password') })).status, 200, 'LDAPS without verification')
  t.equal((await g.send('/ldaps', { headers: ldapAuth('einstein', 'wrong') })).status, 401)
  // kong/plugins/ldap-auth/access.lua: a failed handshake is a refusal (401), not a server error.
  for (const route of ['ldaps-verify', 'starttls-verify']) {
    const r = await g.send(`/${route}`, { headers: ldapAuth('einstein', 'password') })
    t.equal(r.status, 401, `${route}: the self-signed certificate is not trusted`)
    t.equal(r.headers['www-authenticate'], 'LDAP')
    t.equal(r.reached, undefined)
  }
  t.equal((await g.send('/ldaps-plain', { headers: ldapAuth('einstein', 'password') })).status, 401, 'TLS to a plain LDAP port')
})

t.test('the connection pool: reused, bounded, closed when idle', async (t) => {
  const slapd = await startSlapd(t)
  const counted = await relay(t, slapd.port)
  const keep = await relay(t, slapd.port)
  const yaml = stringify(
    {
      _format_version: '3.0',
      services: [
        {
          name: 'app',
          url: '$UPSTREAM',
          routes: [
            {
              name: 'pooled',
              paths: ['/pooled'],
              plugins: [{ name: 'ldap-auth', config: { ldap_host: '127.0.0.1', ldap_port: counted.port, base_dn: BASE_DN, attribute: ATTRIBUTE } }],
            },
            {
              name: 'short',
              paths: ['/short'],
              plugins: [
                { name: 'ldap-auth', config: { ldap_host: '127.0.0.1', ldap_port: keep.port, base_dn: BASE_DN, attribute: ATTRIBUTE, keepalive: 100 } },
              ],
            },
          ],
        },
      ],
    },
    { lineWidth: 0 },
  )
  const g = await pluginGateway(t, yaml)
  // Different passwords each time, so that every request binds.
  for (let i = 0; i < 5; i++) t.equal((await g.send('/pooled', { headers: ldapAuth('einstein', i % 2 ? 'password' : `wrong${i}`) })).status, i % 2 ? 200 : 401)
  t.equal(counted.opened(), 1, 'one connection serves successive binds, refused or not')

  // Concurrent binds each take a connection; at most 30 stay open once they are idle.
  counted.hold()
  const sent = Promise.all(Array.from({ length: 40 }, (_, i) => g.send('/pooled', { headers: ldapAuth('einstein', `parallel${i}`) })))
  // One connection was idle; the 39 other binds open their own.
  t.ok(await eventually(() => counted.opened() === 40), `${counted.opened()} connections for 40 concurrent binds`)
  counted.release()
  t.ok((await sent).every((r) => r.status === 401))
  t.ok(await eventually(() => counted.open() <= 30), `${counted.open()} idle connections kept`)

  // keepalive: an idle connection is closed, the next bind opens another.
  t.equal((await g.send('/short', { headers: ldapAuth('einstein', 'password') })).status, 200)
  t.ok(await eventually(() => keep.open() === 0), 'closed once idle for keepalive ms')
  t.equal((await g.send('/short', { headers: ldapAuth('newton', 'password') })).status, 200)
  t.equal(keep.opened(), 2)

  // A pooled connection the server dropped (slapd restarted) is replaced, not answered with a 500.
  const before = counted.opened()
  await slapd.stop()
  await slapd.start()
  t.equal((await g.send('/pooled', { headers: ldapAuth('newton', 'password') })).status, 200)
  t.ok(counted.opened() > before)
})

t.test('acl behind ldap-auth: a credential without a consumer or groups is refused', async (t) => {
  const slapd = await startSlapd(t)
  const g = await pluginGateway(t, yml({ ldap_port: slapd.port }, [{ name: 'acl', config: { allow: ['scientists'] } }]))
  // kong/plugins/acl/handler.lua: no consumer and no authenticated groups, a credential set: 403.
  const r = await g.send('/', { headers: ldapAuth('einstein', 'password') })
  t.equal(r.status, 403)
  t.equal(r.json().message, 'You cannot consume this service')
  t.equal(r.reached, undefined)
  t.equal((await g.send('/')).status, 401, 'no credentials: ldap-auth answers first')
})

t.test("verify_ldap_host with the server's CA trusted (NODE_EXTRA_CA_CERTS), in a gateway process", async (t) => {
  const slapd = await startSlapd(t)
  const up = createHttpServer((_req, res) => res.end('ok'))
  await new Promise<void>((r) => up.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise<void>((r) => up.close(() => r())))
  const dir = await mkdtemp(join(tmpdir(), 'gw-ldap-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'kong.yml')
  const routes = [
    ['ldaps', { ldap_host: '127.0.0.1', ldap_port: slapd.tlsPort, ldaps: true }],
    ['starttls', { ldap_host: 'localhost', ldap_port: slapd.port, start_tls: true }],
  ].map(([name, config]) => ({
    name,
    paths: [`/${name as string}`],
    plugins: [{ name: 'ldap-auth', config: { base_dn: BASE_DN, attribute: ATTRIBUTE, verify_ldap_host: true, ...(config as object) } }],
  }))
  const url = `http://127.0.0.1:${(up.address() as { port: number }).port}`
  await writeFile(file, stringify({ _format_version: '3.0', services: [{ name: 'app', url, routes }] }))
  const p = serveProcess(t, ['--config', file, '--listen', '127.0.0.1:0', '--admin-listen', 'off'], { NODE_EXTRA_CA_CERTS: slapd.certFile })
  const proxy = ((await p.waitFor((l) => l.msg === 'gateway started')).proxy as string[])[0]!
  for (const route of ['ldaps', 'starttls']) {
    const r = await request(`http://${proxy}/${route}`, { headers: ldapAuth('einstein', 'password') })
    t.equal(r.statusCode, 200, `${route}: the certificate and its name are verified`)
    t.equal(await r.body.text(), 'ok')
    const wrong = await request(`http://${proxy}/${route}`, { headers: ldapAuth('einstein', 'wrong') })
    t.equal(wrong.statusCode, 401)
    await wrong.body.dump()
  }
})
