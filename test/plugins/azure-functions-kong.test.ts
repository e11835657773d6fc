// Kong's azure-functions spec (spec/03-plugins/35-azure-functions/01-access_spec.lua) through the
// real gateway. Kong's spec points the function's host at loopback with a DNS mock and swaps the
// port; here the host itself is a loopback address: appname `127` and hostdomain `a.b.c` make
// `127.a.b.c`, where a stand-in function listens on port 80 (http) and 443 (https), the ports the
// plugin always uses. The stand-in echoes what it received, as Kong's mock does.
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttps } from 'node:https'
import t from 'tap'
import { stringify } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { defaultCertificate } from '../../src/server/default-certificate.js'
import { fetchRaw, gateway } from '../helpers/gateway.js'
import { startUpstream } from '../helpers/upstream.js'

interface Seen {
  method: string
  uri: string
  headers: IncomingMessage['headers']
  body: string
  query_args: Record<string, string | string[]>
}

function echo(seen: Seen[]) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fn')
      const query_args: Record<string, string | string[]> = {}
      for (const k of new Set(url.searchParams.keys())) {
        const all = url.searchParams.getAll(k)
        query_args[k] = all.length === 1 ? all[0]! : all
      }
      const s: Seen = { method: req.method ?? '', uri: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), query_args }
      seen.push(s)
      const out = JSON.stringify({ ...s, status: 200 })
      res.writeHead(Number(url.searchParams.get('status') ?? 200), {
        'content-type': 'application/json',
        'x-fn': 'yes',
        connection: 'keep-alive',
        'content-length': Buffer.byteLength(out),
      })
      res.end(out)
    })
  }
}

/** Listens on `port` of a free 127.x.y.z address; returns the hostdomain that completes appname `127`. */
async function listenLoopback(server: Server, port: number): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const parts = [1 + Math.floor(Math.random() * 250), Math.floor(Math.random() * 250), 2 + Math.floor(Math.random() * 250)]
    const address = `127.${parts.join('.')}`
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false))
      server.listen(port, address, () => resolve(true))
    })
    if (ok) return parts.join('.')
  }
  throw new Error('no free loopback address')
}

const close = (s: Server) =>
  new Promise<void>((resolve) => {
    s.closeAllConnections()
    s.close(() => resolve())
  })

t.test('01-access', async (t) => {
  const seen: Seen[] = []
  const http = createHttp(echo(seen))
  const domain = await listenLoopback(http, 80)
  const https = createHttps(await defaultCertificate(), echo(seen))
  await new Promise<void>((resolve, reject) => {
    https.once('error', reject)
    https.listen(443, `127.${domain}`, resolve)
  })
  const up = await startUpstream()
  const fn = {
    appname: '127',
    hostdomain: domain,
    routeprefix: 'request',
    functionname: 'test-func-name',
    apikey: 'anything_but_an_API_key',
    clientid: 'and_no_clientid',
  }
  const doc = {
    _format_version: '3.0',
    services: [
      {
        name: 'azure3',
        url: `${up.url}/request`,
        routes: [{ name: 'r3', hosts: ['azure3.test'], plugins: [{ name: 'azure-functions', config: { https: false, ...fn } }] }],
      },
    ],
    routes: [
      { name: 'r2', hosts: ['azure2.test'], plugins: [{ name: 'azure-functions', config: { https: false, ...fn } }] },
      { name: 'tls', hosts: ['tls.test'], plugins: [{ name: 'azure-functions', config: { ...fn, routeprefix: '/slashes/', functionname: '/fn/' } }] },
      {
        name: 'nokey',
        hosts: ['nokey.test'],
        plugins: [{ name: 'azure-functions', config: { https: false, appname: '127', hostdomain: domain, functionname: 'f' } }],
      },
      {
        name: 'down',
        hosts: ['down.test'],
        plugins: [{ name: 'azure-functions', config: { https: false, appname: '127', hostdomain: '255.255.254', functionname: 'f', timeout: 1000 } }],
      },
    ],
  }
  const gw = await gateway(stringify(doc))
  t.teardown(async () => {
    await gw.close()
    await close(http)
    await close(https)
    await up.close()
  })
  const send = (host: string, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
    fetchRaw(`${gw.url}${path}`, { ...opts, headers: { host, ...opts.headers } })

  t.test('passes request query parameters', async (t) => {
    // spec/03-plugins/35-azure-functions/01-access_spec.lua:161
    const r = await send('azure2.test', '/?hello=world')
    t.equal(r.status, 200)
    t.same(r.json().query_args, { hello: 'world' })
  })

  t.test('passes request body', async (t) => {
    // :176
    const r = await send('azure2.test', '/?hello=world', { body: "I'll be back" })
    t.equal(r.status, 200)
    t.equal(r.json().body, "I'll be back")
  })

  t.test('passes the path parameters', async (t) => {
    // :193 (since Kong 3.6 the request's own path is not added)
    const r = await send('azure2.test', '/and/then/some')
    t.equal(r.status, 200)
    t.equal(r.json().uri, '/request/test-func-name')
  })

  t.test('passes the method', async (t) => {
    // :207
    const r = await send('azure2.test', '/', { method: 'POST' })
    t.equal(r.json().method, 'POST')
  })

  t.test('passes the headers', async (t) => {
    // :221
    const r = await send('azure2.test', '/and/then/some', { headers: { 'Just-A-Header': 'just a value' } })
    const h = r.json<{ headers: Record<string, string> }>().headers
    t.equal(h['just-a-header'], 'just a value')
    t.equal(h.host, `127.${domain}`, "the function's host, not the client's")
  })

  t.test('injects the apikey and clientid', async (t) => {
    // :236
    const r = await send('azure2.test', '/', { method: 'POST', headers: { 'x-functions-key': 'the-clients-own' } })
    const h = r.json<{ headers: Record<string, string> }>().headers
    t.equal(h['x-functions-key'], 'anything_but_an_API_key')
    t.equal(h['x-functions-clientid'], 'and_no_clientid')
    const none = await send('nokey.test', '/', { headers: { 'x-functions-key': 'the-clients-own' } })
    t.equal(none.json<{ headers: Record<string, string> }>().headers['x-functions-key'], undefined, "without apikey the client's is removed")
    t.equal(none.json().uri, '/api/f', "routeprefix's default")
  })

  t.test("Kong's headers and the function's", async (t) => {
    // :252, :265
    const r = await send('azure2.test', '/?hello=world')
    t.match(r.headers.via, /^2 kong\/\d/)
    t.ok(Number(r.headers['content-length']) > 100)
    t.equal(r.headers['x-fn'], 'yes', "the function's headers reach the client")
    const created = await send('azure2.test', '/?status=201')
    t.equal(created.status, 201, 'and its status')
  })

  t.test('service upstream uri and request uri can not influence azure function', async (t) => {
    // :278
    const r = await send('azure3.test', '/?hello=world')
    t.ok(Number(r.headers['content-length']) > 100)
    t.equal(r.json().uri, '/request/test-func-name?hello=world')
    t.equal(up.requests.length, 0, 'the service is never called')
  })

  t.test('https on 443, slashes trimmed', async (t) => {
    const r = await send('tls.test', '/x')
    t.equal(r.status, 200)
    t.equal(r.json().uri, '/slashes/fn')
  })

  t.test("an unreachable function is Kong's 500", async (t) => {
    const r = await send('down.test', '/')
    t.equal(r.status, 500)
    t.same(r.json(), { message: 'An unexpected error occurred' })
  })
})

t.test("schema.lua's required fields and defaults", async (t) => {
  const load = (config: Record<string, unknown>) =>
    loadConfig(stringify({ _format_version: '3.0', plugins: [{ name: 'azure-functions', config }] }), { file: 'k.yml' })
  const problems = (config: Record<string, unknown>) => {
    const r = load(config)
    return r.ok ? [] : r.issues.map((i) => `${i.path.replace(/^plugins\[0\]\.config\./, '')} ${i.message}`)
  }
  t.same(problems({ functionname: 'f' }), ['appname required field missing'])
  t.same(problems({ appname: 'a' }), ['functionname required field missing'])
  t.same(problems({ appname: 'a', functionname: 'f', https: 'yes' }), ['https expected a boolean'])
  const r = load({ appname: 'a', functionname: 'f' })
  t.match(r.ok && r.config.plugins[0]?.config, {
    timeout: 600000,
    keepalive: 60000,
    https: true,
    https_verify: false,
    hostdomain: 'azurewebsites.net',
    routeprefix: 'api',
  })
  t.ok(
    loadConfig(stringify({ _format_version: '3.0', plugins: [{ name: 'azure-functions', protocols: ['tcp'], config: { appname: 'a', functionname: 'f' } }] }), {
      file: 'k.yml',
    }).ok,
    "Kong's typedefs.protocols: any protocol",
  )
})
