/** ai-proxy: the plugin's definition (handler.ts runs requests; schema.ts is its config). */
import { ANY_SCOPE, definePlugin } from '../types.js'
import { config } from './schema.js'

export default definePlugin({
  name: 'ai-proxy',
  priority: 770,
  version: '3.10.0',
  config,
  protocols: ['grpc', 'grpcs', 'http', 'https'],
  // Kong's typedefs.protocols_http; no scope restriction (a consumer may have its own model).
  httpOnly: true,
  scopes: ANY_SCOPE,
  phases: ['access', 'headerFilter', 'bodyFilter', 'log'],
  handler: () => import('./handler.js'),
})
