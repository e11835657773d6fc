// The README's custom-plugin example (examples/custom-plugin) through the
// package's public entry point, as a library user would import it.
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import type { PluginDefinition } from '../../src/plugins/types.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

t.test('the tenant plugin example: moves requests under /tenants/<t>, refuses those without one', async (t) => {
  // Through the package name (dist/, built by `npm test`); typed from src so a clean checkout typechecks.
  const lib = (await import(String('kong-yml-gateway'))) as typeof import('../../src/index.js')
  const { tenant } = (await import(String('../../examples/custom-plugin/tenant.mjs'))) as { tenant: PluginDefinition }
  const yaml = readFileSync('examples/custom-plugin/kong.yml', 'utf8').replace('http://127.0.0.1:9000', '$UPSTREAM')
  const { send, gw, up } = await pluginGateway(t, yaml, undefined, { plugins: lib.pluginSet([tenant]) })
  const ok = await send('/orders?x=1', { headers: { 'x-tenant': 'acme co' } })
  t.equal(ok.status, 200)
  t.equal(ok.reached!.url, '/tenants/acme%20co/orders?x=1')
  const no = await send('/orders')
  t.equal(no.status, 400)
  t.equal(no.json().message, 'missing x-tenant')
  t.equal(no.reached, undefined)

  // A reload validates and compiles with the same custom set.
  writeFileSync(gw.file, yaml.replaceAll('$UPSTREAM', up.url).replace('header: x-tenant', 'header: x-org'))
  const r = await gw.reload()
  t.equal(r.result, 'applied')
  t.equal((await send('/orders', { headers: { 'x-org': 'o1' } })).reached!.url, '/tenants/o1/orders')
})
