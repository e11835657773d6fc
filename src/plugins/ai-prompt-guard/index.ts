/** ai-prompt-guard: the plugin's definition (handler.ts runs requests; schema.ts is its config). */
import { ANY_SCOPE, definePlugin } from '../types.js'
import { config } from './schema.js'

export default definePlugin({
  name: 'ai-prompt-guard',
  priority: 771,
  version: '3.10.0',
  config,
  protocols: ['grpc', 'grpcs', 'http', 'https'],
  // Kong's typedefs.protocols_http: no stream protocol.
  httpOnly: true,
  // Kong's schema has no consumer restriction.
  scopes: ANY_SCOPE,
  phases: ['access'],
  handler: () => import('./handler.js'),
})
