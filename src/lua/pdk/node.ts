/**
 * kong.node (this gateway's id and host name) and kong.nginx (the subsystem,
 * always http here): what a snippet may learn of the server it runs in.
 */
import { fromText } from '../core/value.js'
import { library } from './table.js'

export const node = library('kong.node', {
  get_id: () => process.env.KONG_NODE_ID ?? undefined,
  get_hostname: () => fromText((process.env.HOSTNAME ?? '') || 'localhost'),
})

export const nginx = library('kong.nginx', {
  get_subsystem: () => 'http',
})
