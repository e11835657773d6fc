// Header spoofing (issue 12, item 6): request headers whose names contain '_'
// are kept by default (Kong's template: underscores_in_headers on) and ignored
// entirely with `--underscores-in-headers off` (nginx's default); either way no header the gateway reserves or sets reaches
// the upstream as the client wrote it, in any spelling: case, '_' for '-',
// duplicated lines. Raw sockets, so every spelling goes out byte for byte.
import { connect } from 'node:net'
import t, { type Test } from 'tap'
import { gateway, type TestGateway } from '../helpers/gateway.js'
import { startUpstream, type Echo, type Upstream } from '../helpers/upstream.js'
import type { GatewayOptions } from '../../src/server/gateway.js'

const VIA = '1.1 kong/3.10.0'

const config = (up: Upstream) => `_format_version: "3.0"
consumers:
  - username: alice
    custom_id: alice-custom
    keyauth_credentials: [{ key: alice-key }]
    acls: [{ group: staff }]
  - username: guest
services:
  - name: echo
    url: ${up.url}
    routes:
      - name: open
        paths: [/open]
      - name: auth
        paths: [/auth]
        plugins:
          - name: key-auth
            config: { key_names: [apikey, api_key] }
          - name: acl
            config: { allow: [staff] }
      - name: anonymous
        paths: [/anonymous]
        plugins:
          - name: key-auth
            config: { anonymous: guest }
      - name: by-header
        paths: [/by-header]
        headers: { x_tenant: [blue] }
`

interface Setup {
  gw: TestGateway
  up: Upstream
  port: number
}

async function setup(t: Test, opts: Partial<GatewayOptions> = { underscoresInHeaders: false }): Promise<Setup> {
  const up = await startUpstream('echo')
  const gw = await gateway(config(up), opts)
  t.teardown(async () => {
    await gw.close()
    await up.close()
  })
  return { gw, up, port: Number(gw.proxy[0]!.split(':').pop()) }
}

/** One request written byte for byte on a fresh connection; the status, the response head and what the upstream saw. */
async function send(s: Setup, path: string, lines: readonly [string, string][]): Promise<{ status: number; head: string; reached: Echo | undefined }> {
  const before = s.up.requests.length
  const text = [`GET ${path} HTTP/1.1`, 'Host: gw.test', ...lines.map(([n, v]) => `${n}: ${v}`), 'Connection: close', '', ''].join('\r\n')
  const reply = await new Promise<string>((resolve, reject) => {
    const socket = connect(s.port, '127.0.0.1', () => socket.write(text))
    const chunks: Buffer[] = []
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')))
    socket.on('error', reject)
  })
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0)
  return { status, head: reply.split('\r\n\r\n')[0]!, reached: s.up.requests.length > before ? s.up.requests.at(-1) : undefined }
}

/** Every spelling of a header name a client may try: case, '_' for '-', and the same name twice. */
function spellings(name: string, value: string): [string, string][] {
  const title = name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase())
  const under = name.replaceAll('-', '_')
  return [
    [name, value],
    [name.toUpperCase(), value],
    [title, `${value}-again`],
    [under, `${value}-underscore`],
    [under.toUpperCase(), `${value}-UNDERSCORE`],
    [title.replaceAll('-', '_'), `${value}-Underscore`],
  ]
}

// The headers the gateway reserves or sets upstream.
const CONSUMER = ['x-consumer-id', 'x-consumer-custom-id', 'x-consumer-username', 'x-consumer-groups', 'x-credential-identifier', 'x-credential-username']
const OTHER_GATEWAY_ONLY = [
  'x-anonymous-consumer',
  'x-authenticated-groups',
  'x-authenticated-scope',
  'x-authenticated-userid',
  'x-kong-request-id',
  'x-kong-upstream-latency',
]
const FORWARDING = [
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-path',
  'x-forwarded-prefix',
  'x-forwarded-ssl',
  'forwarded',
  'x-real-ip',
  'via',
]
const RESERVED = [...CONSUMER, ...OTHER_GATEWAY_ONLY, ...FORWARDING]
const SPOOFED = RESERVED.flatMap((name) => spellings(name, 'spoof'))

function noUnderscores(t: Test, seen: Echo): void {
  t.same(
    Object.keys(seen.headers).filter((k) => k.includes('_')),
    [],
    'no header with an underscore reached the upstream',
  )
}

/** What the upstream must see for every reserved name: the gateway's value, or nothing. */
function gatewayValues(t: Test, s: Setup, r: { head: string; reached: Echo | undefined }, path: string, consumer: Record<string, string | undefined>): void {
  const h = r.reached!.headers
  for (const name of [...CONSUMER, ...OTHER_GATEWAY_ONLY]) {
    if (name === 'x-kong-request-id') continue
    t.equal(h[name], consumer[name], `${name}: ${consumer[name] === undefined ? 'absent' : "the gateway's value"}`)
  }
  t.equal(h['x-kong-request-id'], /x-kong-request-id: ([0-9a-f]{32})/i.exec(r.head)?.[1], 'x-kong-request-id: the id the client got back')
  t.equal(h['x-forwarded-proto'], 'http')
  t.equal(h['x-forwarded-host'], 'gw.test')
  t.equal(h['x-forwarded-port'], String(s.port), 'x-forwarded-port: the listener port')
  t.equal(h['x-forwarded-path'], path)
  t.equal(h['x-forwarded-prefix'], `/${path.split('/')[1]}`, 'the prefix strip_path removed')
  t.equal(h['x-forwarded-ssl'], undefined, 'not a header the gateway computes: dropped from an untrusted peer')
  t.equal(h.forwarded, undefined)
  t.equal(h['x-real-ip'], '127.0.0.1')
  // Kong appends to a client's X-Forwarded-For and Via (reference §3.2): the gateway's entry is the last one.
  t.match(h['x-forwarded-for'], /, 127\.0\.0\.1$/, 'x-forwarded-for ends with the peer')
  t.match(h.via, new RegExp(`, ${VIA.replaceAll('.', '\\.')}$`), "via ends with the gateway's token")
}

t.test('a route without plugins: no reserved header reaches the upstream as the client wrote it', async (t) => {
  const s = await setup(t)
  const r = await send(s, '/open/x', SPOOFED)
  t.equal(r.status, 200)
  noUnderscores(t, r.reached!)
  gatewayValues(t, s, r, '/open/x', {})
})

t.test('an authenticated route: the consumer headers are exactly the gateway’s, whatever the client sent', async (t) => {
  const s = await setup(t)
  const config = s.gw.holder.current().config
  const alice = config.consumers.find((c) => c.username === 'alice')!
  const credential = config.keyauth_credentials.find((c) => c.consumer === alice.id)!
  const r = await send(s, '/auth', [['apikey', 'alice-key'], ...SPOOFED])
  t.equal(r.status, 200)
  noUnderscores(t, r.reached!)
  // spec/03-plugins/09-key-auth/02-access_spec.lua:567: the consumer headers sent upstream
  gatewayValues(t, s, r, '/auth', {
    'x-consumer-id': alice.id,
    'x-consumer-custom-id': 'alice-custom',
    'x-consumer-username': 'alice',
    'x-credential-identifier': credential.id,
    'x-consumer-groups': 'staff',
  })
})

t.test('anonymous: X-Anonymous-Consumer is the gateway’s; a client’s underscored copy never gets through', async (t) => {
  const s = await setup(t)
  const guest = s.gw.holder.current().config.consumers.find((c) => c.username === 'guest')!
  const r = await send(s, '/anonymous', SPOOFED)
  t.equal(r.status, 200)
  noUnderscores(t, r.reached!)
  gatewayValues(t, s, r, '/anonymous', { 'x-consumer-id': guest.id, 'x-consumer-username': 'guest', 'x-anonymous-consumer': 'true' })
})

t.test('--underscores-in-headers off: headers with underscores are ignored entirely, not routed on, not seen by plugins', async (t) => {
  const s = await setup(t)
  t.equal((await send(s, '/by-header', [['x_tenant', 'blue']])).status, 404, 'a route on an underscored header never matches')
  const byKey = await send(s, '/auth', [['api_key', 'alice-key']])
  t.equal(byKey.status, 401, 'key-auth does not see an api_key header')
  t.equal(byKey.reached, undefined)
  const plain = await send(s, '/open', [
    ['X_Custom', 'one'],
    ['X-Custom', 'two'],
  ])
  t.equal(plain.reached!.headers['x-custom'], 'two', 'the dashed header alone is forwarded')
  noUnderscores(t, plain.reached!)
})

t.test('by default (as Kong) they are kept, but never as an alias of a reserved header', async (t) => {
  const s = await setup(t, {})
  t.equal((await send(s, '/by-header', [['x_tenant', 'blue']])).status, 200, 'routed on')
  // spec/03-plugins/09-key-auth/02-access_spec.lua:533: a key in an api_key header (Kong runs with underscores_in_headers on)
  t.equal((await send(s, '/auth', [['api_key', 'alice-key']])).status, 200)
  const r = await send(s, '/open', [['x_custom', 'kept'], ...SPOOFED, ['transfer_encoding', 'chunked'], ['content_length', '5']])
  t.equal(r.status, 200)
  const h = r.reached!.headers
  t.equal(h.x_custom, 'kept', 'an ordinary underscored header is forwarded')
  t.same(
    Object.keys(h).filter((k) => k.includes('_')),
    ['x_custom'],
    'no alias of a reserved, forwarding or framing header is forwarded',
  )
  gatewayValues(t, s, r, '/open', {})
})

t.test('spellings the HTTP parser refuses never reach the upstream', async (t) => {
  const s = await setup(t)
  for (const line of [
    ['X-Consumer-ID ', 'spoof'],
    ['X-Consumer-ID\t', 'spoof'],
    [' X-Consumer-ID', 'spoof'],
  ] as [string, string][]) {
    const r = await send(s, '/open', [line])
    t.equal(r.status, 400, `${JSON.stringify(line[0])}: 400`)
    t.equal(r.reached, undefined)
  }
})
