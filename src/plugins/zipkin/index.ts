/** zipkin: the plugin's definition (handler.ts traces requests; schema.ts is its config). */
import { ANY_SCOPE, definePlugin, PROTOCOLS_ALL } from '../types.js'
import { config } from './schema.js'

export default definePlugin({
  name: 'zipkin',
  // Kong runs it first, so its timestamps are taken at the start of each phase.
  priority: 100000,
  version: '3.10.0',
  config,
  protocols: PROTOCOLS_ALL,
  scopes: ANY_SCOPE,
  phases: ['access', 'headerFilter', 'log', 'preread', 'streamLog'],
  handler: () => import('./handler.js'),
})
