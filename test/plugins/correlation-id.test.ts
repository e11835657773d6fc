// correlation-id against a real upstream: generated ids, kept client ids, echo
// to the client (also on exits), and the id shared with later plugins.
import t from 'tap'
import * as z from 'zod'
import { loadConfig } from '../../src/config/load.js'
import { pluginSet } from '../../src/plugins/set.js'
import { ANY_SCOPE, defineHandler, definePlugin, PROTOCOLS_ALL } from '../../src/plugins/types.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const CONFIG = (pluginConfig = '', extraPlugins = '') => `_format_version: "3.0"
services:
  - name: app
    url: $UPSTREAM
    routes:
      - name: app
        paths: [/]
        plugins:
          - name: correlation-id
${pluginConfig ? `            config:\n${pluginConfig.replace(/^/gm, '              ')}` : ''}
${extraPlugins}`

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}'

t.test('default: uuid#counter sent upstream in Kong-Request-ID, not echoed', async (t) => {
  // spec/03-plugins/11-correlation-id/01-access_spec.lua:204 and :367
  const { send } = await pluginGateway(t, CONFIG())
  const a = await send('/x')
  const b = await send('/x')
  const idA = String(a.reached!.headers['kong-request-id'])
  const idB = String(b.reached!.headers['kong-request-id'])
  t.match(idA, new RegExp(`^${UUID}#\\d+$`))
  const [uuidA, countA] = idA.split('#')
  const [uuidB, countB] = idB.split('#')
  t.equal(uuidB, uuidA, 'one uuid per process')
  t.equal(Number(countB), Number(countA) + 1, 'the counter goes up by one')
  t.equal(a.headers['kong-request-id'], undefined, 'echo_downstream is off')
})

t.test('a non-empty client id is kept; an empty one is replaced', async (t) => {
  // spec/03-plugins/11-correlation-id/01-access_spec.lua:393 and :408
  const { send } = await pluginGateway(t, CONFIG('echo_downstream: true'))
  const kept = await send('/x', { headers: { 'Kong-Request-ID': 'from-client' } })
  t.equal(kept.reached!.headers['kong-request-id'], 'from-client')
  t.equal(kept.headers['kong-request-id'], 'from-client')
  const empty = await send('/x', { headers: { 'kong-request-id': '' } })
  t.match(empty.reached!.headers['kong-request-id'], new RegExp(`^${UUID}#\\d+$`))
  t.equal(empty.headers['kong-request-id'], empty.reached!.headers['kong-request-id'])
})

t.test('uuid generator, custom header name, echoed to the client', async (t) => {
  // spec/03-plugins/11-correlation-id/01-access_spec.lua:272, :330 and :378
  const { send } = await pluginGateway(t, CONFIG('header_name: X-Correlation\ngenerator: uuid\necho_downstream: true'))
  const a = await send('/x')
  const b = await send('/x')
  t.match(a.reached!.headers['x-correlation'], new RegExp(`^${UUID}$`))
  t.not(a.reached!.headers['x-correlation'], b.reached!.headers['x-correlation'])
  t.equal(a.headers['x-correlation'], a.reached!.headers['x-correlation'])
  t.equal(a.reached!.headers['kong-request-id'], undefined)
})

t.test('tracker generator: address-port-pid-connection-requests-time', async (t) => {
  // spec/03-plugins/11-correlation-id/01-access_spec.lua:301
  const { send, gw } = await pluginGateway(t, CONFIG('generator: tracker'))
  const port = new URL(gw.url).port
  const parse = (v: unknown) => new RegExp(`^127\\.0\\.0\\.1-${port}-${process.pid}-(\\d+)-(\\d+)-(\\d+\\.\\d{3})$`).exec(String(v))
  const r = await send('/x')
  const m = parse(r.reached!.headers['kong-request-id'])
  t.ok(m, String(r.reached!.headers['kong-request-id']))
  t.ok(Math.abs(Number(m![3]) - Date.now() / 1000) < 60, 'seconds since the epoch')
  // Keep-alive: undici reuses its connections, so serials repeat and their counts go up.
  const seen = new Map<string, number[]>()
  for (let i = 0; i < 6; i++) {
    const p = parse((await send('/x')).reached!.headers['kong-request-id'])!
    seen.set(p[1]!, [...(seen.get(p[1]!) ?? []), Number(p[2])])
  }
  for (const [id, counts] of seen)
    t.same(
      counts,
      [...counts].sort((a, b) => a - b),
      `connection ${id}: counts rise`,
    )
  t.ok(
    [...seen.values()].some((c) => c.length >= 2 && c.at(-1)! > c[0]!),
    'a reused connection counts its requests',
  )
})

t.test('echoed on exits too (header_filter runs for every response)', async (t) => {
  // spec/03-plugins/11-correlation-id/01-access_spec.lua:438
  const { send } = await pluginGateway(t, CONFIG('echo_downstream: true', '          - name: request-termination\n            config: { status_code: 403 }\n'))
  const r = await send('/x')
  t.equal(r.status, 403)
  t.equal(r.reached, undefined)
  t.match(r.headers['kong-request-id'], new RegExp(`^${UUID}#\\d+$`))
})

t.test('the id is in kit.shared.correlation_id for later plugins', async (t) => {
  const seen: unknown[] = []
  const reader = {
    definition: definePlugin({ name: 'shared-reader', priority: 5, version: '0.0.0', config: z.strictObject({}), protocols: PROTOCOLS_ALL, scopes: ANY_SCOPE }),
    handler: defineHandler({ name: 'shared-reader', create: () => ({ access: (kit) => void seen.push(kit.shared.correlation_id) }) }),
  }
  const { send } = await pluginGateway(t, CONFIG('', '          - name: shared-reader\n'), undefined, { plugins: pluginSet([reader]) })
  const r = await send('/x')
  t.same(seen, [r.reached!.headers['kong-request-id']])
  await send('/x', { headers: { 'kong-request-id': 'mine' } })
  t.equal(seen[1], 'mine')
})

t.test('schema: defaults, generator values', async (t) => {
  const ok = loadConfig('_format_version: "3.0"\nplugins:\n  - name: correlation-id\n', { file: 'k.yml' })
  t.ok(ok.ok)
  if (ok.ok) t.same(ok.config.plugins[0]!.config, { header_name: 'Kong-Request-ID', generator: 'uuid#counter', echo_downstream: false })
  const bad = loadConfig('_format_version: "3.0"\nplugins:\n  - name: correlation-id\n    config: { generator: uuid4 }\n', { file: 'k.yml' })
  t.notOk(bad.ok)
  if (!bad.ok)
    t.same(
      bad.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.message}`),
      ['4:26 plugins[0].config.generator expected one of: uuid, uuid#counter, tracker'],
    )
  const scoped = loadConfig('_format_version: "3.0"\nconsumers:\n  - username: a\n    plugins:\n      - name: correlation-id\n', { file: 'k.yml' })
  t.ok(scoped.ok, 'consumer scope is allowed (Kong does not forbid it)')
})
