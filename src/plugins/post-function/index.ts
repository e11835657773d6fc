/** post-function (Kong PRIORITY -1000): user Lua run last in each phase. */
import { definePlugin, NO_CONSUMER, PROTOCOLS_ALL } from '../types.js'
import { config } from './schema.js'

export default definePlugin({
  name: 'post-function',
  priority: -1000,
  version: '3.10.0',
  config,
  protocols: PROTOCOLS_ALL,
  scopes: NO_CONSUMER,
  phases: ['rewrite', 'access', 'headerFilter', 'bodyFilter', 'log'],
  handler: () => import('./handler.js'),
})
