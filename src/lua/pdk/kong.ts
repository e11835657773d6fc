/**
 * The `kong` global of Kong's PDK as untrusted Lua sees it: request, response,
 * service (request and response), client, ctx, log, ip, node, table, vault,
 * router, nginx. One read-only table per process, acting on the current run
 * (run.ts). Names, argument checks and messages are Kong's (kong/pdk/*.lua).
 *
 * This file only assembles the table; each library lives in its own file
 * (request.ts, response.ts, service.ts, client.ts, ctx.ts, log.ts, node.ts,
 * router.ts, kong-table.ts, vault.ts), the header helpers in headers.ts.
 */
import type { LuaTable } from '../core/value.js'
import { client, ip } from './client.js'
import { ctx } from './ctx.js'
import { tableLib } from './kong-table.js'
import { log } from './log.js'
import { nginx, node } from './node.js'
import { request } from './request.js'
import { response } from './response.js'
import { router } from './router.js'
import { service } from './service.js'
import { library } from './table.js'
import { vault } from './vault.js'

/** The `kong` table (one per process). */
export const kong: LuaTable = library('kong', {
  request,
  response,
  service,
  client,
  ctx,
  log,
  ip,
  node,
  table: tableLib,
  nginx,
  router,
  vault,
  version: '3.9.0',
  version_num: 3009000,
})
