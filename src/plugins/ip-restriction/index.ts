/** ip-restriction: the plugin's definition (handler.ts runs requests; schema.ts is its config). */
import { definePlugin, ANY_SCOPE } from '../types.js'
import { explainIpRestriction } from './explain.js'
import { config } from './schema.js'

export default definePlugin({
  name: 'ip-restriction',
  priority: 990,
  version: '3.10.0',
  config,
  // Kong: http, https, tcp, tls, grpc, grpcs (stream routes run preread: the connection is closed instead).
  protocols: ['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls'],
  scopes: ANY_SCOPE,
  phases: ['access', 'preread'],
  handler: () => import('./handler.js'),
  explain: explainIpRestriction,
})
