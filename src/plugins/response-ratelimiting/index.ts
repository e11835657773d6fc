/** response-ratelimiting: the plugin's definition (handler.ts runs requests; schema.ts is its config). */
import { definePlugin, ANY_SCOPE } from '../types.js'
import { config } from './schema.js'

export default definePlugin({
  name: 'response-ratelimiting',
  priority: 900,
  version: '3.10.0',
  config,
  protocols: ['grpc', 'grpcs', 'http', 'https'],
  // Kong's typedefs.protocols_http: no stream protocol.
  httpOnly: true,
  scopes: ANY_SCOPE,
  phases: ['access', 'headerFilter', 'bodyFilter', 'log'],
  handler: () => import('./handler.js'),
})
