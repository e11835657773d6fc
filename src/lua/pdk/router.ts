/**
 * kong.router: the route and the service the request matched, as plain
 * tables (copies: a snippet's changes do not reach the config).
 */
import { toLua } from './convert.js'
import { kit } from './run.js'
import { library } from './table.js'

export const router = library('kong.router', {
  get_route: () => toLua(kit().route),
  get_service: () => toLua(kit().service),
})
