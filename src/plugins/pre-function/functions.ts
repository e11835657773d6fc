/**
 * pre-function / post-function (Kong's serverless functions): per phase, an
 * array of Lua sources run in the sandbox (src/lua). Shared by both plugins;
 * only the name and PRIORITY differ.
 */
import * as z from 'zod'
import { metaFields } from '../../config/schema/typedefs.js'
import { lua, createLuaEngine, type SyncLuaChunk } from '../../lua/engine.js'
import { defineHandler, definePlugin, NO_CONSUMER, PROTOCOLS_ALL, type Exit, type Kit, type PluginPhases } from '../types.js'

export const PHASES = ['certificate', 'rewrite', 'access', 'header_filter', 'body_filter', 'log'] as const
type Phase = (typeof PHASES)[number]

/** Kong's `validate_function`: a source that does not compile is refused with Lua's message. */
function phaseFunctions(plugin: string) {
  const source = z.string().superRefine((src, ctx) => {
    const err = lua.check(src)
    if (err) ctx.addIssue({ code: 'custom', message: `error parsing ${plugin}: ${err.raw ?? `line ${err.line}: ${err.message}`}` })
  })
  return z.array(source)
}

export function functionsConfig(plugin: string) {
  const f = () => phaseFunctions(plugin)
  return z
    .strictObject({
      certificate: f().default([]).describe('Lua sources run in the certificate phase (accepted; this gateway has no such phase, so they never run).'),
      rewrite: f().default([]).describe('Lua sources run in the rewrite phase (before routing; global instances only).'),
      access: f().default([]).describe('Lua sources run in the access phase; kong.response.exit answers the client instead of proxying.'),
      header_filter: f().default([]).describe('Lua sources run when the response headers are ready.'),
      body_filter: f().default([]).describe('Lua sources run on the response body.'),
      log: f().default([]).describe('Lua sources run after the response was sent.'),
      ...metaFields,
    })
    .superRefine((c, ctx) => {
      if (PHASES.every((p) => c[p].length === 0)) {
        ctx.addIssue({ code: 'custom', message: `at least one of these fields must be non-empty: ${PHASES.map((p) => `'config.${p}'`).join(', ')}` })
      }
    })
}

export type FunctionsConfig = z.infer<ReturnType<typeof functionsConfig>>

export function functionsPlugin<S extends z.ZodType>(name: string, priority: number, config: S) {
  return definePlugin({ name, priority, version: '3.10.0', config, protocols: PROTOCOLS_ALL, scopes: NO_CONSUMER })
}

const ERROR_500: Exit = { status: 500, error: 'An unexpected error occurred' }

export function functionsHandler(name: string) {
  return defineHandler<FunctionsConfig>({
    name,
    create(conf, env): PluginPhases {
      const engine = createLuaEngine({
        log: (level, msg) => env.log[level](msg),
      })
      const compile = (phase: Phase): SyncLuaChunk[] => conf[phase].map((src, i) => engine.compile(src, `${phase}[${i}]`))
      const phases: PluginPhases = {}
      const request =
        (chunks: SyncLuaChunk[]) =>
        async (kit: Kit): Promise<Exit | undefined> => {
          for (const c of chunks) {
            let exit: Exit | undefined
            try {
              exit = await c.run(kit)
            } catch (e) {
              env.log.error(`${name} error: ${(e as Error).message}`)
              return ERROR_500
            }
            if (exit) return exit
          }
          return undefined
        }
      // After the response was decided nothing can be answered instead: errors are logged (Kong logs them too).
      const late =
        (chunks: SyncLuaChunk[]) =>
        (kit: Kit): void => {
          for (const c of chunks) {
            try {
              c.runSync(kit)
            } catch (e) {
              env.log.error(`${name} error: ${(e as Error).message}`)
              return
            }
          }
        }
      const rewrite = compile('rewrite')
      const access = compile('access')
      const headerFilter = compile('header_filter')
      const bodyFilter = compile('body_filter')
      const log = compile('log')
      if (rewrite.length) phases.rewrite = request(rewrite)
      if (access.length) phases.access = request(access)
      if (headerFilter.length) phases.headerFilter = late(headerFilter)
      if (bodyFilter.length) {
        const run = late(bodyFilter)
        phases.bodyFilter = (kit, body) => {
          run(kit)
          return body
        }
      }
      if (log.length) phases.log = late(log)
      return phases
    },
  })
}
