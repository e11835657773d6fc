/**
 * The config of pre-function / post-function (Kong's serverless functions): per
 * phase, an array of Lua sources. Their syntax is checked without the Lua VM
 * (lua/syntax/), so validating a file never starts it, and so is their use of
 * what this gateway cannot run (ngx timers, cosockets...).
 */
import * as z from 'zod'
import { metaFields, whenValid } from '../../config/schema/typedefs.js'
import { checkLua, findUnavailable } from '../../lua/syntax/index.js'

export const PHASES = ['certificate', 'rewrite', 'access', 'header_filter', 'body_filter', 'log'] as const
export type Phase = (typeof PHASES)[number]

/**
 * Kong's `validate_function`: a source that does not compile is refused with
 * Lua's message. Then a static use of an ngx function this gateway cannot run
 * is refused too, except in the certificate phase, whose code never runs here.
 */
function phaseFunctions(plugin: string, runs = true) {
  const source = z.string().superRefine((src, ctx) => {
    const err = checkLua(src)
    if (err) return ctx.addIssue({ code: 'custom', message: `error parsing ${plugin}: ${err.raw}` })
    const refused = runs ? findUnavailable(src) : undefined
    if (refused) ctx.addIssue({ code: 'custom', message: refused.message })
  })
  return z.array(source)
}

export function functionsConfig(plugin: string) {
  const f = () => phaseFunctions(plugin)
  return z
    .strictObject({
      certificate: phaseFunctions(plugin, false)
        .default([])
        .describe('Lua sources run in the certificate phase (accepted; this gateway has no such phase, so they never run).'),
      rewrite: f().default([]).describe('Lua sources run in the rewrite phase (before routing; global instances only).'),
      access: f().default([]).describe('Lua sources run in the access phase; kong.response.exit answers the client instead of proxying.'),
      header_filter: f().default([]).describe('Lua sources run when the response headers are ready.'),
      body_filter: f().default([]).describe('Lua sources run on the response body.'),
      log: f().default([]).describe('Lua sources run after the response was sent.'),
      ...metaFields,
    })
    .superRefine(
      (c, ctx) => {
        if (PHASES.every((p) => c[p].length === 0)) {
          ctx.addIssue({ code: 'custom', message: `at least one of these fields must be non-empty: ${PHASES.map((p) => `'config.${p}'`).join(', ')}` })
        }
      },
      whenValid(...PHASES),
    )
}

export type FunctionsConfig = z.infer<ReturnType<typeof functionsConfig>>
