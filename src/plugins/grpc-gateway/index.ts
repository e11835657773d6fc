/** grpc-gateway: the plugin's definition (handler.ts runs requests; bindings.ts and template.ts map REST to gRPC; schema.ts is its config). */
import { definePlugin, ANY_SCOPE, PROTOCOLS_ALL } from '../types.js'
import { config } from './schema.js'

export default definePlugin({
  name: 'grpc-gateway',
  priority: 998,
  version: '3.10.0',
  config,
  protocols: PROTOCOLS_ALL,
  scopes: ANY_SCOPE,
  phases: ['access', 'headerFilter', 'bodyFilter'],
  handler: () => import('./handler.js'),
})
