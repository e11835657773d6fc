/** acl: the plugin's definition (handler.ts runs requests; schema.ts is its config). */
import { definePlugin, NO_CONSUMER } from '../types.js'
import { explainAcl } from './explain.js'
import { config } from './schema.js'

export default definePlugin({
  name: 'acl',
  priority: 950,
  version: '3.10.0',
  config,
  protocols: ['grpc', 'grpcs', 'http', 'https'],
  // Kong's typedefs.protocols_http: no stream protocol.
  httpOnly: true,
  scopes: NO_CONSUMER,
  phases: ['access'],
  handler: () => import('./handler.js'),
  explain: explainAcl,
})
