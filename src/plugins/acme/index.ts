/** acme: the plugin's definition (handler.ts runs it; schema.ts is its config). */
import { definePlugin } from '../types.js'
import { config } from './schema.js'

export default definePlugin({
  name: 'acme',
  priority: 1705,
  version: '3.10.0',
  config,
  protocols: ['grpc', 'grpcs', 'http', 'https'],
  // Kong's typedefs.protocols_http: no stream protocol.
  httpOnly: true,
  // Global only: Kong's schema has no_consumer, no_service and no_route.
  scopes: { consumer: false, route: false, service: false },
  phases: ['access', 'certificate'],
  handler: () => import('./handler.js'),
})
