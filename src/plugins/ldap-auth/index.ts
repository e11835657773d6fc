/** ldap-auth: the plugin's definition (handler.ts runs requests; schema.ts is its config). */
import { definePlugin, NO_CONSUMER, PROTOCOLS_ALL } from '../types.js'
import { explainLdapAuth } from './explain.js'
import { config } from './schema.js'

export default definePlugin({
  name: 'ldap-auth',
  priority: 1200,
  version: '3.10.0',
  config,
  protocols: PROTOCOLS_ALL,
  // Kong's typedefs.protocols_http: no stream protocol.
  httpOnly: true,
  scopes: NO_CONSUMER,
  phases: ['access'],
  handler: () => import('./handler.js'),
  explain: explainLdapAuth,
})
