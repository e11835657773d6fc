/**
 * `custom_fields_by_lua` (Kong's typedefs.lua_code), a config field of every
 * log plugin: log record field → Lua source whose value the field gets
 * (log-fields.ts runs them). Each source is checked without the Lua VM, so
 * validating a file never starts it; one that does not load is refused with
 * Kong's message (sandbox.validate_safe: "Error parsing function: " and
 * LuaJIT's, the source itself naming the chunk as Kong's load does).
 */
import * as z from 'zod'
import { checkLua, findUnavailable } from '../../lua/syntax/index.js'

const source = z
  .string()
  .min(1, { error: 'length must be at least 1' })
  .superRefine((src, ctx) => {
    const err = checkLua(src)
    if (err) return ctx.addIssue({ code: 'custom', message: `Error parsing function: ${err.raw}` })
    const refused = findUnavailable(src)
    if (refused) ctx.addIssue({ code: 'custom', message: refused.message })
  })

export const customFieldsByLua = z
  // Kong's key rule (len_min = 1) with its message: zod's own for a bad key only says 'invalid key'.
  .record(z.string().min(1), source, { error: (iss) => (iss.code === 'invalid_key' ? 'length must be at least 1' : undefined) })
  .optional()
  .describe(
    'Fields set in (or, when the Lua returns nil, removed from) the log record, each computed by a Lua chunk in the log phase. A dotted key sets a nested field; `\\.` is a literal dot.',
  )
