/** session: the plugin's definition (handler.ts runs requests; schema.ts is its config). */
import { definePlugin, NO_CONSUMER, PROTOCOLS_ALL } from '../types.js'
import { explainSession } from './explain.js'
import { config } from './schema.js'

export default definePlugin({
  name: 'session',
  priority: 1900,
  version: '3.10.0',
  config,
  // Kong's typedefs.protocols (not protocols_http): stream protocols are accepted, and do nothing.
  protocols: PROTOCOLS_ALL,
  scopes: NO_CONSUMER,
  phases: ['access', 'headerFilter'],
  handler: () => import('./handler.js'),
  explain: explainSession,
})
