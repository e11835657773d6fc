/** bot-detection (Kong PRIORITY 2500): refuse known bots and configured User-Agents. */
import * as z from 'zod'
import { metaFields } from '../../config/schema/typedefs.js'

/**
 * A user regex as Kong takes it (PCRE); a leading `(?i)` becomes the `i` flag,
 * the one inline option JavaScript lacks that User-Agent rules commonly use.
 */
export function compileRule(source: string): RegExp {
  return source.startsWith('(?i)') ? new RegExp(source.slice(4), 'i') : new RegExp(source)
}

function isRegex(v: string): boolean {
  try {
    compileRule(v)
    return true
  } catch {
    return false
  }
}

const rule = z
  .string()
  .min(1, { error: 'length must be at least 1' })
  .refine(isRegex, { error: (iss) => `not a valid regex: ${String(iss.input)}` })

export const config = z.strictObject({
  allow: z.array(rule).default([]).describe('Regexes on the User-Agent that are always let through, even when a built-in bot rule matches.'),
  deny: z.array(rule).default([]).describe('Regexes on the User-Agent that are refused with 403.'),
  ...metaFields,
})

export type BotDetectionConfig = z.infer<typeof config>
