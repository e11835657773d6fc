/** rate-limiting: the plugin's definition (handler.ts runs requests; schema.ts is its config). */
import { definePlugin, ANY_SCOPE } from '../types.js'
import { config } from './schema.js'

export default definePlugin({
  name: 'rate-limiting',
  priority: 910,
  version: '3.10.0',
  config,
  protocols: ['grpc', 'grpcs', 'http', 'https'],
  // Kong's typedefs.protocols_http: no stream protocol.
  httpOnly: true,
  scopes: ANY_SCOPE,
  phases: ['access'],
  handler: () => import('./handler.js'),
})
