/** opentelemetry: the plugin's definition (handler.ts runs requests; schema.ts is its config). */
import { definePlugin, ANY_SCOPE, PROTOCOLS_ALL } from '../types.js'
import { config } from './schema.js'

export default definePlugin({
  name: 'opentelemetry',
  priority: 14,
  version: '3.10.0',
  config,
  protocols: PROTOCOLS_ALL,
  httpOnly: true,
  scopes: ANY_SCOPE,
  phases: ['access', 'headerFilter', 'log'],
  handler: () => import('./handler.js'),
})
