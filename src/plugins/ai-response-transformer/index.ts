/** ai-response-transformer: the plugin's definition (handler.ts runs requests; schema.ts is its config). */
import { ANY_SCOPE, definePlugin } from '../types.js'
import { config } from './schema.js'

export default definePlugin({
  name: 'ai-response-transformer',
  priority: 768,
  version: '3.10.0',
  config,
  protocols: ['grpc', 'grpcs', 'http', 'https'],
  httpOnly: true,
  // Kong's schema has no consumer restriction here (ai-request-transformer's has).
  scopes: ANY_SCOPE,
  phases: ['access'],
  handler: () => import('./handler.js'),
})
