/** azure-functions: the plugin's definition (handler.ts calls the function; schema.ts is its config). */
import { definePlugin, ANY_SCOPE, PROTOCOLS_ALL } from '../types.js'
import { config } from './schema.js'

export default definePlugin({
  name: 'azure-functions',
  priority: 749,
  version: '3.10.0',
  config,
  // Kong's typedefs.protocols: any protocol may be named.
  protocols: PROTOCOLS_ALL,
  scopes: ANY_SCOPE,
  phases: ['access'],
  handler: () => import('./handler.js'),
})
