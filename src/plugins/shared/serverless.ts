/**
 * The handler of pre-function / post-function: each phase's Lua sources,
 * compiled once per plugin instance, run in the sandbox (src/lua). Shared by
 * both plugins; only the name differs.
 */
import { UNEXPECTED } from '../../errors.js'
import './lua-serialize.js'
import './lua-vault.js'
import { createLuaEngine, luaErrorFields, phaseBudget, type SyncLuaChunk } from '../../lua/engine.js'
import { current, type LuaPhase } from '../../lua/pdk/run.js'
import { definePhases, type Exit, type Kit, type PluginPhases } from '../types.js'
import type { FunctionsConfig, Phase } from './serverless-schema.js'

export function functionsFactory(name: string) {
  return definePhases<FunctionsConfig>((conf, env): PluginPhases => {
    const engine = createLuaEngine({
      log: (level, msg) => {
        env.log[level](msg)
        // Kong's observability logs: the line also goes to the request it was written for.
        current.run?.kit?.logLine(level, msg)
      },
    })
    // One plugin instance: its chunks, in every phase, share kong.ctx.plugin within a request.
    const instance = {}
    const compile = (phase: Phase): SyncLuaChunk[] => conf[phase].map((src, i) => engine.compile(src, `${phase}[${i}]`, instance))
    // The log line of a failed chunk: Lua's message, and where to look (route, phase, Lua traceback).
    const failed = (kit: Kit, phase: Phase, e: unknown): Exit => {
      env.log.error(`${name} error: ${(e as Error).message}`, { phase, ...luaErrorFields(e, kit) })
      return UNEXPECTED
    }
    const phases: PluginPhases = {}
    // Chunks that cannot read the body run synchronously: the request's phase loop then goes
    // on without a promise and its microtasks (runtime/phases.ts). The phase's chunks share
    // one budget: more chunks do not buy more time.
    const request = (chunks: SyncLuaChunk[], phase: Phase & LuaPhase): ((kit: Kit) => Exit | undefined | Promise<Exit | undefined>) => {
      if (!chunks.some((c) => c.readsBody))
        return (kit) => {
          const ctx = { phase, budget: phaseBudget() }
          for (const c of chunks) {
            let exit: Exit | undefined
            try {
              exit = c.runSync(kit, undefined, ctx)
            } catch (e) {
              return failed(kit, phase, e)
            }
            if (exit) return exit
          }
          return undefined
        }
      return async (kit) => {
        const ctx = { phase, budget: phaseBudget() }
        for (const c of chunks) {
          let exit: Exit | undefined
          try {
            exit = await c.run(kit, undefined, ctx)
          } catch (e) {
            return failed(kit, phase, e)
          }
          if (exit) return exit
        }
        return undefined
      }
    }
    // After the response was decided nothing can be answered instead: errors are logged (Kong logs them too).
    const late =
      (chunks: SyncLuaChunk[], phase: Phase & LuaPhase) =>
      (kit: Kit, chunk?: { data: string; eof: boolean }): void => {
        const ctx = { phase, chunk, budget: phaseBudget() }
        for (const c of chunks) {
          try {
            c.runSync(kit, undefined, ctx)
          } catch (e) {
            failed(kit, phase, e)
            return
          }
        }
      }
    const rewrite = compile('rewrite')
    const access = compile('access')
    const headerFilter = compile('header_filter')
    const bodyFilter = compile('body_filter')
    const log = compile('log')
    if (rewrite.length) phases.rewrite = request(rewrite, 'rewrite')
    if (access.length) phases.access = request(access, 'access')
    if (headerFilter.length) phases.headerFilter = late(headerFilter, 'header_filter')
    if (bodyFilter.length) {
      const run = late(bodyFilter, 'body_filter')
      // The whole body is one chunk here (ngx.arg[1], with ngx.arg[2] true): what the snippets leave in it is sent.
      phases.bodyFilter = (kit, body) => {
        const data = body.toString('latin1')
        const chunk = { data, eof: true }
        run(kit, chunk)
        return chunk.data === data ? body : Buffer.from(chunk.data, 'latin1')
      }
    }
    if (log.length) phases.log = late(log, 'log')
    return phases
  })
}
