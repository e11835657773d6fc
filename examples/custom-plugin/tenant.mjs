// A custom plugin written against the plugin kit, run by an embedded gateway.
//
//   npm run build && node examples/custom-plugin/tenant.mjs examples/custom-plugin/kong.yml
//   curl -H 'x-tenant: acme' localhost:8000/orders   → upstream sees /tenants/acme/orders
//   curl localhost:8000/orders                       → 400 {"message":"missing x-tenant", ...}
import { pathToFileURL } from 'node:url'
import * as z from 'zod'
import { definePhases, definePlugin, NO_CONSUMER, pluginSet, PROTOCOLS_ALL, startGateway } from 'kong-yml-gateway'

const config = z.strictObject({
  header: z.string().default('x-tenant').describe('The header naming the tenant.'),
})

// Runs once per plugin instance: everything per request reads only `conf`.
const create = definePhases((conf) => ({
  access(kit) {
    const t = kit.request.header(conf.header)
    if (!t) return { status: 400, error: `missing ${conf.header}` }
    kit.upstream.setPath(`/tenants/${encodeURIComponent(t)}${kit.upstream.path}`)
    return undefined
  },
}))

/** Moves each request under /tenants/<tenant>, refusing requests without one. */
export const tenant = definePlugin({
  name: 'tenant',
  priority: 1000,
  version: '1.0.0',
  config,
  protocols: PROTOCOLS_ALL,
  scopes: NO_CONSUMER,
  phases: ['access'],
  // A bundled plugin writes `() => import('./handler.js')`, so validating a file never loads request code.
  handler: () => create,
})

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const gw = await startGateway({
    config: process.argv[2] ?? 'kong.yml',
    listen: ['0.0.0.0:8000'],
    adminListen: '127.0.0.1:8001',
    plugins: pluginSet([tenant]),
  })
  console.log(`gateway on ${gw.proxy.join(', ')}`)
  process.once('SIGINT', () => void gw.close())
}
