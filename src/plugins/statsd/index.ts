/** statsd: the plugin's definition (handler.ts runs requests; schema.ts is its config). */
import { definePlugin, ANY_SCOPE, PROTOCOLS_ALL } from '../types.js'
import { config } from './schema.js'

export default definePlugin({
  name: 'statsd',
  priority: 11,
  version: '3.10.0',
  config,
  protocols: PROTOCOLS_ALL,
  scopes: ANY_SCOPE,
  phases: ['log'],
  handler: () => import('./handler.js'),
})
