/**
 * Kong's from_format for the providers whose JSON answer is mapped back to
 * OpenAI's shape (anthropic, cohere): decode, map, encode, each failure in
 * Kong's words (`transformation failed from type <provider>://<route>: ...`).
 */
import type { Body } from '../request.js'
import type { Result } from './types.js'

/** A JSON object (not an array): what Lua indexes as a table of fields. */
export const isObject = (v: unknown): v is Body => typeof v === 'object' && v !== null && !Array.isArray(v)

/** `map` may throw: a shape Kong's Lua could not index is its `unexpected_error`. */
export function mapAnswer(provider: string, routeType: string, raw: string, map: (body: Body) => Result<Body>): Result<string> {
  const fail = (e: string) => ({ error: `transformation failed from type ${provider}://${routeType}: ${e}` })
  let decoded: unknown
  try {
    decoded = JSON.parse(raw)
  } catch {
    return fail(`failed to decode ${provider} response`)
  }
  let out: Result<Body>
  try {
    out = map(isObject(decoded) ? decoded : {})
  } catch {
    out = { error: 'unexpected_error' }
  }
  return 'error' in out ? fail(out.error) : { ok: JSON.stringify(out.ok) }
}
