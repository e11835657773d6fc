/**
 * Lua's value rules where Kong's transformer plugins rely on them, shared by
 * request-transformer and response-transformer.
 */

/** Lua's `if v then`: only absent (nil) and false are false (JSON null is a truthy cjson.null). */
export const truthy = (v: unknown): boolean => v !== undefined && v !== false

/** Kong's append_value: a string becomes a pair, a list grows, anything else is replaced by a one-value list. */
export function appendValue(current: unknown, value: unknown): unknown {
  if (typeof current === 'string') return [current, value]
  if (Array.isArray(current)) return [...current, value]
  if (current !== null && typeof current === 'object') {
    // table.insert on a JSON object adds the next integer key.
    const obj = current as Record<string, unknown>
    let n = 1
    while (String(n) in obj) n++
    return { ...obj, [String(n)]: value }
  }
  return [value]
}
