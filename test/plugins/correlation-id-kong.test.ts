// correlation-id against Kong's access spec (spec/03-plugins/11-correlation-id/01-access_spec.lua)
// where correlation-id.test.ts does not already cover it (those cases carry their citations
// there): the id echoed on a 502 and on a plugin's runtime error, a client id echoed on an exit,
// and the id in file-log's record. Not here: the gRPC case (:240; no HTTP/2 listener yet) and
// 02-schema_spec.lua (a `null` generator stored in a database).
import { mkdtempSync, readFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { stringify } from 'yaml'
import { waitFor } from '../helpers/collector.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const ECHO = { name: 'correlation-id', config: { generator: 'uuid', echo_downstream: true } }
const FILE_LOG_PATH = join(mkdtempSync(join(tmpdir(), 'cid-kong-')), 'file.log')

// The spec's routes (:36-181), by Host.
const yml = stringify({
  _format_version: '3.0',
  services: [
    {
      name: 'app',
      url: '$UPSTREAM',
      routes: [
        {
          name: 'correlation5',
          hosts: ['correlation5.test'],
          plugins: [ECHO, { name: 'request-termination', config: { status_code: 418, message: "I'm a teapot" } }],
        },
        // error-generator-last in Kong's spec: a plugin that fails in access, after correlation-id.
        { name: 'correlation-error', hosts: ['correlation-error.test'], plugins: [ECHO, { name: 'post-function', config: { access: ['error("boom")'] } }] },
        {
          name: 'correlation-serializer',
          hosts: ['correlation-serializer.test'],
          plugins: [{ name: 'file-log', config: { path: FILE_LOG_PATH, reopen: true } }, { name: 'correlation-id' }],
        },
      ],
    },
    // Nothing listens there (Kong's spec: 127.0.0.2:26865).
    { name: 'down', url: 'http://127.0.0.1:1', routes: [{ name: 'correlation-timeout', hosts: ['correlation-timeout.test'], plugins: [ECHO] }] },
  ],
})

t.test("Kong's access spec", async (t) => {
  const { send } = await pluginGateway(t, yml)

  t.test('echo_downstream sends uuid back to client even when upstream timeouts', async (t) => {
    // spec/03-plugins/11-correlation-id/01-access_spec.lua:345
    const r = await send('/request', { headers: { host: 'correlation-timeout.test' } })
    t.equal(r.status, 502)
    t.match(r.headers['kong-request-id'], UUID)
  })

  t.test('echo_downstream sends uuid back to client even there is a runtime error', async (t) => {
    // spec/03-plugins/11-correlation-id/01-access_spec.lua:356
    const r = await send('/request', { headers: { host: 'correlation-error.test' } })
    t.equal(r.status, 500)
    t.match(r.headers['kong-request-id'], UUID)
  })

  t.test('does not preserve an already existing header with space only', async (t) => {
    // spec/03-plugins/11-correlation-id/01-access_spec.lua:423
    const r = await send('/request', { headers: { host: 'correlation5.test', 'kong-request-id': ' ' } })
    t.match(r.headers['kong-request-id'], UUID)
  })

  t.test('echoes incoming with echo_downstream when access did not execute', async (t) => {
    // spec/03-plugins/11-correlation-id/01-access_spec.lua:451
    const r = await send('/request', { headers: { host: 'correlation5.test', 'kong-request-id': 'my very personal id' } })
    t.equal(r.status, 418)
    t.equal(r.headers['kong-request-id'], 'my very personal id')
  })

  t.test('log serializer: contains the Correlation ID', async (t) => {
    // spec/03-plugins/11-correlation-id/01-access_spec.lua:474
    const r = await send('/', { headers: { host: 'correlation-serializer.test', 'Kong-Request-ID': '1234' } })
    t.equal(r.status, 200)
    t.ok(await waitFor(() => existsSync(FILE_LOG_PATH) && readFileSync(FILE_LOG_PATH, 'utf8').includes('\n')))
    const record = JSON.parse(readFileSync(FILE_LOG_PATH, 'utf8').split('\n')[0]!) as { request: { id: string }; correlation_id: string }
    t.match(record.request.id, /^[a-f0-9]{32}$/)
    t.equal(record.correlation_id, '1234')
  })
})
