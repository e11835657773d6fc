// Kong's server-tokens and latency-headers spec (spec/02-integration/05-proxy/14-server_tokens_spec.lua)
// through a real gateway and real upstreams: Server and Via on proxied answers, on the gateway's
// own answers and on its 502, the latency headers on each, the `serverToken` setting, and Kong's
// `headers` setting (the gateway's `headers` option, `--headers`) switching each of them on or off,
// on the proxy and on the admin listener.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { fetchRaw, gateway, type TestGateway } from '../helpers/gateway.js'
import { startUpstream, type Upstream } from '../helpers/upstream.js'
import type { GatewayOptions } from '../../src/server/gateway.js'

const SERVER = 'kong/3.10.0'
const VIA = `1.1 ${SERVER}`

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as AddressInfo).port
  await new Promise((r) => s.close(r))
  return port
}

/** The spec's routes: an upstream answering /status/<code> with its own Server, a short-circuit, a dead service. */
async function setup(t: Test, opts: Partial<GatewayOptions> = {}): Promise<TestGateway & { up: Upstream }> {
  const up = await startUpstream('upstream', (req, res) => {
    const code = /^\/status\/(\d{3})$/.exec(req.url ?? '')?.[1]
    res.writeHead(code ? Number(code) : 200, { server: 'mock-upstream', 'content-type': 'text/plain' })
    res.end('ok')
  })
  const dead = await deadPort()
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      services: [
        {
          name: 'inspect',
          url: up.url,
          routes: [
            { name: 'inspect', hosts: ['headers-inspect.test'] },
            {
              name: 'short-circuit',
              hosts: ['short-circuit.test'],
              plugins: [
                { name: 'request-termination', config: { status_code: 200, message: 'Terminated' } },
                { name: 'response-transformer', config: { add: { headers: [`Via:${SERVER}`, 'Server:Demo'] } } },
              ],
            },
            { name: 'terminated', hosts: ['request-termination.test'], plugins: [{ name: 'request-termination', config: {} }] },
          ],
        },
        { name: 'dead', url: `http://127.0.0.1:${dead}`, retries: 0, routes: [{ name: 'dead', hosts: ['502.test'] }] },
      ],
    }),
    opts,
  )
  t.teardown(async () => {
    await gw.close()
    await up.close()
  })
  return Object.assign(gw, { up })
}

const get = (gw: TestGateway, host: string, path = '/get') => fetchRaw(`${gw.url}${path}`, { headers: { host } })

t.test("Kong's Server and Via", async (t) => {
  const gw = await setup(t)

  // spec/02-integration/05-proxy/14-server_tokens_spec.lua:87
  const proxied = await get(gw, 'headers-inspect.test')
  t.equal(proxied.status, 200)
  t.equal(proxied.headers.server, 'mock-upstream', "the upstream's Server is kept")
  t.equal(proxied.headers.via, VIA)

  // spec/02-integration/05-proxy/14-server_tokens_spec.lua:101
  const notFound = await get(gw, '404.test')
  t.equal(notFound.status, 404)
  t.equal(notFound.headers.server, SERVER)
  t.equal(notFound.headers.via, undefined)

  // spec/02-integration/05-proxy/14-server_tokens_spec.lua:115
  const short = await get(gw, 'short-circuit.test')
  t.equal(short.status, 200)
  t.equal(short.headers.via, SERVER, "the plugin's Via")
  t.equal(short.headers.server, 'Demo', "a plugin's Via equal to the server token keeps the plugin's Server")
})

t.test('latency headers', async (t) => {
  const gw = await setup(t)

  // spec/02-integration/05-proxy/14-server_tokens_spec.lua:377
  const proxied = await get(gw, 'headers-inspect.test')
  t.match(proxied.headers['x-kong-upstream-latency'], /^\d+$/)
  t.match(proxied.headers['x-kong-proxy-latency'], /^\d+$/)
  t.equal(proxied.headers['x-kong-response-latency'], undefined)

  // spec/02-integration/05-proxy/14-server_tokens_spec.lua:392
  const notFound = await get(gw, '404.test')
  t.equal(notFound.headers['x-kong-upstream-latency'], undefined)
  t.equal(notFound.headers['x-kong-proxy-latency'], undefined)
  t.match(notFound.headers['x-kong-response-latency'], /^\d+$/)

  // spec/02-integration/05-proxy/14-server_tokens_spec.lua:407
  const terminated = await get(gw, 'request-termination.test')
  t.equal(terminated.status, 503)
  t.equal(terminated.headers['x-kong-upstream-latency'], undefined)
  t.equal(terminated.headers['x-kong-proxy-latency'], undefined)
  t.match(terminated.headers['x-kong-response-latency'], /^\d+$/)

  // spec/02-integration/05-proxy/14-server_tokens_spec.lua:422
  for (const code of [400, 404, 408, 411, 412, 413, 414, 417, 500, 502, 503, 504]) {
    const r = await get(gw, 'headers-inspect.test', `/status/${code}`)
    t.equal(r.status, code)
    t.match(r.headers['x-kong-upstream-latency'], /^\d+$/, `${code}: upstream latency`)
    t.match(r.headers['x-kong-proxy-latency'], /^\d+$/, `${code}: proxy latency`)
    t.equal(r.headers['x-kong-response-latency'], undefined, `${code}: no response latency`)
  }

  // spec/02-integration/05-proxy/14-server_tokens_spec.lua:439
  const failed = await get(gw, '502.test')
  t.equal(failed.status, 502)
  t.match(failed.headers['x-kong-upstream-latency'], /^\d+$/)
  t.match(failed.headers['x-kong-proxy-latency'], /^\d+$/)
  t.equal(failed.headers['x-kong-response-latency'], undefined)
  t.equal(failed.headers.via, VIA, 'a try was made: Kong counts the request proxied')
  t.equal(failed.headers.server, SERVER)
})

t.test('serverToken names another product in Server and Via, both ways', async (t) => {
  const gw = await setup(t, { serverToken: 'acme-gw/2.1' })
  const proxied = await get(gw, 'headers-inspect.test')
  t.equal(proxied.headers.via, '1.1 acme-gw/2.1')
  t.equal(gw.up.requests.at(-1)?.headers.via, '1.1 acme-gw/2.1', 'the upstream sees it too')
  const notFound = await get(gw, '404.test')
  t.equal(notFound.headers.server, 'acme-gw/2.1')
})

t.test('a serverToken that is not a product token stops the start', async (t) => {
  await t.rejects(gateway('_format_version: "3.0"\n', { serverToken: 'two words' }), /not a product token/)
})

/** What a proxied answer and a 404 carry of Kong's headers under one `headers` value. */
async function underHeaders(t: Test, headers: string) {
  const gw = await setup(t, { headers })
  const proxied = await get(gw, 'headers-inspect.test')
  const notFound = await get(gw, '404.test')
  t.equal(proxied.status, 200)
  t.equal(notFound.status, 404)
  const seen = (r: Awaited<ReturnType<typeof get>>) => ({
    server: r.headers.server,
    via: r.headers.via,
    upstream: r.headers['x-kong-upstream-latency'] !== undefined,
    proxy: r.headers['x-kong-proxy-latency'] !== undefined,
    response: r.headers['x-kong-response-latency'] !== undefined,
  })
  return { proxied: seen(proxied), notFound: seen(notFound) }
}

const UP = 'mock-upstream'
const latencies = (upstream: boolean, proxy: boolean, response: boolean) => ({ upstream, proxy, response })

t.test("Kong's `headers` setting switches its headers on and off", async (t) => {
  const cases: { headers: string; cites: string; proxied: object; notFound: object }[] = [
    {
      // spec/02-integration/05-proxy/14-server_tokens_spec.lua:139, :153
      headers: 'Via',
      cites: ':139 :153',
      proxied: { server: UP, via: VIA, ...latencies(false, false, false) },
      notFound: { server: undefined, via: undefined, ...latencies(false, false, false) },
    },
    {
      // spec/02-integration/05-proxy/14-server_tokens_spec.lua:177, :191
      headers: 'Server',
      cites: ':177 :191',
      proxied: { server: UP, via: undefined },
      notFound: { server: SERVER, via: undefined },
    },
    {
      // spec/02-integration/05-proxy/14-server_tokens_spec.lua:215, :229
      headers: 'server_tokens',
      cites: ':215 :229',
      proxied: { server: UP, via: VIA },
      notFound: { server: SERVER, via: undefined },
    },
    {
      // spec/02-integration/05-proxy/14-server_tokens_spec.lua:253, :268, :698, :713
      headers: 'off',
      cites: ':253 :268 :698 :713',
      proxied: { server: UP, via: undefined, ...latencies(false, false, false) },
      notFound: { server: undefined, via: undefined, ...latencies(false, false, false) },
    },
    {
      // spec/02-integration/05-proxy/14-server_tokens_spec.lua:538, :553
      headers: 'latency_tokens',
      cites: ':538 :553',
      proxied: latencies(true, true, false),
      notFound: latencies(false, false, true),
    },
    {
      // spec/02-integration/05-proxy/14-server_tokens_spec.lua:578, :593
      headers: 'X-Kong-Upstream-Latency',
      cites: ':578 :593',
      proxied: latencies(true, false, false),
      notFound: latencies(false, false, false),
    },
    {
      // spec/02-integration/05-proxy/14-server_tokens_spec.lua:618, :633
      headers: 'X-Kong-Proxy-Latency',
      cites: ':618 :633',
      proxied: latencies(false, true, false),
      notFound: latencies(false, false, false),
    },
    {
      // spec/02-integration/05-proxy/14-server_tokens_spec.lua:658, :673
      headers: 'X-Kong-Response-Latency',
      cites: ':658 :673',
      proxied: latencies(false, false, false),
      notFound: latencies(false, false, true),
    },
    {
      // spec/02-integration/05-proxy/14-server_tokens_spec.lua:738, :754
      headers: 'server_tokens, X-Kong-Proxy-Latency',
      cites: ':738 :754',
      proxied: { server: UP, via: VIA, ...latencies(false, true, false) },
      notFound: { server: SERVER, via: undefined, ...latencies(false, false, false) },
    },
    {
      // spec/02-integration/05-proxy/14-server_tokens_spec.lua:799, :815 (`off` not first is ignored)
      headers: 'server_tokens, off, X-Kong-Proxy-Latency',
      cites: ':799 :815',
      proxied: { server: UP, via: VIA, ...latencies(false, true, false) },
      notFound: { server: SERVER, via: undefined, ...latencies(false, false, false) },
    },
    {
      // spec/02-integration/05-proxy/14-server_tokens_spec.lua:877, :893 (names are case-insensitive)
      headers: 'serVer_TokEns, x-kOng-pRoXy-lAtency',
      cites: ':877 :893',
      proxied: { server: UP, via: VIA, ...latencies(false, true, false) },
      notFound: { server: SERVER, via: undefined, ...latencies(false, false, false) },
    },
  ]
  for (const c of cases) {
    const seen = await underHeaders(t, c.headers)
    t.match(seen.proxied, c.proxied, `headers=${c.headers}: proxied (${c.cites})`)
    t.match(seen.notFound, c.notFound, `headers=${c.headers}: no route matched (${c.cites})`)
  }
})

t.test("an unknown `headers` entry stops the start with Kong's message", async (t) => {
  await t.rejects(gateway('_format_version: "3.0"\n', { headers: 'server_tokens, X-Foo' }), { message: "headers: invalid entry 'X-Foo'" })
  await t.rejects(gateway('_format_version: "3.0"\n', { headersUpstream: 'Via' }), { message: "headers_upstream: invalid entry 'Via'" })
})

t.test('the admin listener: Server and X-Kong-Admin-Latency as `headers` says', async (t) => {
  const admin = async (headers?: string) => {
    const gw = await gateway('_format_version: "3.0"\n', { adminListen: '127.0.0.1:0', ...(headers === undefined ? {} : { headers }) })
    t.teardown(() => gw.close())
    const r = await fetchRaw(`${gw.adminUrl}/`)
    t.equal(r.status, 200)
    return { server: r.headers.server, latency: r.headers['x-kong-admin-latency'] }
  }
  // spec/02-integration/05-proxy/14-server_tokens_spec.lua:939, :991
  t.match(await admin(), { server: SERVER, latency: /^\d+$/ }, 'default')
  // spec/02-integration/05-proxy/14-server_tokens_spec.lua:952
  t.match(await admin('server_tokens'), { server: SERVER, latency: undefined }, 'server_tokens')
  // spec/02-integration/05-proxy/14-server_tokens_spec.lua:965
  t.match(await admin('Server'), { server: SERVER }, 'Server')
  // spec/02-integration/05-proxy/14-server_tokens_spec.lua:1004, :1017
  t.match(await admin('latency_tokens'), { server: undefined, latency: /^\d+$/ }, 'latency_tokens')
  t.match(await admin('X-Kong-Admin-Latency'), { latency: /^\d+$/ }, 'X-Kong-Admin-Latency')
  // spec/02-integration/05-proxy/14-server_tokens_spec.lua:978, :1030
  t.same(await admin('off'), { server: undefined, latency: undefined }, 'off')
})
