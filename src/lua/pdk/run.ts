/**
 * The run in progress: what the kong.* and ngx.* functions act on. Lua runs
 * are synchronous and never nest, so the library tables are built once per
 * process and read the current run from here: a snippet that keeps `kong` in
 * an upvalue still sees the request it runs for.
 */
import type { Exit, Kit } from '../../plugins/types.js'
import { LuaError } from '../core/errors.js'
import { LuaTable } from '../core/value.js'
import type { SharedRun } from './shared.js'

/** Kong's phases where Lua runs, and the non-request contexts. */
export type LuaPhase = 'rewrite' | 'access' | 'header_filter' | 'body_filter' | 'log' | 'balancer' | 'init_worker' | 'template' | 'callout'

export type LuaLogLevel = 'error' | 'warn' | 'info' | 'debug'

export interface LuaRun {
  readonly kit: Kit | undefined
  readonly phase: LuaPhase
  /** The request body, read before the run when the code may ask for it. */
  readonly body: Buffer | undefined
  /** Where kong.log / ngx.log lines go (already redacted of nothing: the message is the snippet's). */
  readonly log: (level: LuaLogLevel, msg: string) => void
  /** Per plugin instance: the key of kong.ctx.plugin. */
  readonly instance: object
  /** body_filter: the chunk (ngx.arg[1]) and whether it is the last (ngx.arg[2]). */
  chunk: { data: string; eof: boolean } | undefined
  /** kong.response.exit / ngx.exit / output written with ngx.say, once the run produced an answer. */
  exit: Exit | undefined
  /** ngx.say / ngx.print output not yet sent. */
  out: string[]
  /** kong.ctx.shared values Lua read or wrote in this run (written back when it ends: pdk/shared.ts). */
  shared?: SharedRun
}

export const current: { run: LuaRun | undefined } = { run: undefined }

/** The current run; Lua's error when there is none (a function called at config time). */
export function run(): LuaRun {
  const r = current.run
  if (r === undefined) throw new LuaError('no request available in this context')
  return r
}

/** The current request's kit; Lua's error outside a request. */
export function kit(): Kit {
  const k = current.run?.kit
  if (k === undefined) throw new LuaError('no request available in this context')
  return k
}

const perRequest = new WeakMap<Kit, { ngxCtx?: LuaTable; plugin?: WeakMap<object, LuaTable>; status?: number }>()

function slots(k: Kit) {
  let s = perRequest.get(k)
  if (s === undefined) perRequest.set(k, (s = {}))
  return s
}

/** ngx.ctx: one table per request, shared by every snippet of it (as OpenResty's). */
export function ngxCtx(k: Kit): LuaTable {
  const s = slots(k)
  return (s.ngxCtx ??= new LuaTable())
}

/**
 * The status a snippet set before the response exists (ngx.status, kong.response.set_status
 * in rewrite/access; 0: none). Per request, as nginx's: one chunk sets it, the next reads it
 * (spec/03-plugins/33-serverless-functions/02-access_spec.lua:19 "cascading functions").
 */
export function requestStatus(k: Kit | undefined): number {
  return k === undefined ? 0 : (perRequest.get(k)?.status ?? 0)
}

export function setRequestStatus(k: Kit, status: number): void {
  slots(k).status = status
}

/** kong.ctx.plugin: one table per request and plugin instance. */
export function pluginCtx(k: Kit, instance: object): LuaTable {
  const s = slots(k)
  const m = (s.plugin ??= new WeakMap())
  let t = m.get(instance)
  if (t === undefined) m.set(instance, (t = new LuaTable()))
  return t
}

/** Whether the response headers are on their way (exits are refused then, as Kong's). */
export function headersSent(r: LuaRun): boolean {
  return r.phase === 'header_filter' || r.phase === 'body_filter' || r.phase === 'log'
}

/** Kong's name of the phase a run is in (templates and callouts run in access). */
export function phaseName(r: LuaRun): string {
  return r.phase === 'template' || r.phase === 'callout' ? 'access' : r.phase
}
