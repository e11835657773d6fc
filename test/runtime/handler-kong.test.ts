// Kong's OpenResty phases spec: the rewrite phase runs before routing, so only
// global plugin instances take part in it; an instance scoped to a route or to
// a consumer runs its later phases only.
import t from 'tap'
import { pluginSet } from '../../src/plugins/set.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'
import { probe } from '../helpers/probe.js'

// Kong's spec uses its `rewriter` fixture plugin; the probe leaves the same trace
// (the tags of the instances whose rewrite ran, in `X-Rewrite` on the answer).
const plugins = pluginSet([probe('rewriter', 1000)])

const file = (extra: string) => `_format_version: "3.0"
services:
  - name: mock_upstream
    url: $UPSTREAM
    routes:
      - name: r
        hosts: [mock_upstream]
${extra}`

// spec/02-integration/05-proxy/11-handler_spec.lua:49
t.test('a global instance runs in rewrite', async (t) => {
  const { send } = await pluginGateway(t, file(`plugins:\n  - name: rewriter\n    config: { tag: global plugin }\n`), undefined, { plugins })
  const r = await send('/request', { headers: { host: 'mock_upstream' } })
  t.equal(r.status, 200)
  t.equal(r.headers['x-rewrite'], 'global plugin')
})

// spec/02-integration/05-proxy/11-handler_spec.lua:107
t.test('a route-scoped instance does not run in rewrite', async (t) => {
  const { send } = await pluginGateway(
    t,
    file(`        plugins:\n          - name: rewriter\n            config: { tag: route-specific plugin }\n`),
    undefined,
    { plugins },
  )
  const r = await send('/request', { headers: { host: 'mock_upstream' } })
  t.equal(r.status, 200)
  t.equal(r.headers['x-rewrite'], undefined, 'no rewrite trace')
  t.equal(r.reached?.headers['x-trace'], 'route-specific plugin', 'its access phase did run')
})

// spec/02-integration/05-proxy/11-handler_spec.lua:181
t.test('a consumer-scoped instance does not run in rewrite', async (t) => {
  const { send } = await pluginGateway(
    t,
    file(`        plugins:
          - name: key-auth
consumers:
  - username: test-consumer-3
    keyauth_credentials: [{ key: kong }]
    plugins:
      - name: rewriter
        config: { tag: consumer-specific plugin }
`),
    undefined,
    { plugins },
  )
  const r = await send('/request?apikey=kong', { headers: { host: 'mock_upstream' } })
  t.equal(r.status, 200)
  t.equal(r.reached?.headers['x-consumer-username'], 'test-consumer-3')
  t.equal(r.headers['x-rewrite'], undefined, 'no rewrite trace')
})
