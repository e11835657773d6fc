/** request-size-limiting: the plugin's definition (handler.ts runs requests; schema.ts is its config). */
import { definePlugin, ANY_SCOPE, PROTOCOLS_ALL } from '../types.js'
import { explainRequestSizeLimiting } from './explain.js'
import { config } from './schema.js'

export default definePlugin({
  name: 'request-size-limiting',
  priority: 951,
  version: '3.10.0',
  config,
  protocols: PROTOCOLS_ALL,
  // Kong's typedefs.protocols_http: no stream protocol.
  httpOnly: true,
  scopes: ANY_SCOPE,
  phases: ['access'],
  handler: () => import('./handler.js'),
  explain: explainRequestSizeLimiting,
})
