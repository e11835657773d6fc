/**
 * ai-prompt-template's rendering, as Kong's templater.lua does it: each
 * `{{name}}` (letters, digits, `_`) in the template becomes the request's
 * property of that name, JSON-escaped as cjson escapes a string (without the
 * quotes), so a value cannot break out of the JSON string it lands in.
 * Placeholders left in the result, including any a value brought in, are
 * reported by name, each once, in order.
 */
import { isTable, luaType } from '../shared/ai-prompt/lua-json.js'

const PLACEHOLDER = /\{\{([A-Za-z0-9_]+)\}\}/g

// lua-cjson's escapes: control characters (\b \t \n \f \r by name, others \u00XX), '"', '\', '/' and DEL.
const ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '/': '\\/', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' }
// eslint-disable-next-line no-control-regex -- JSON escaping is about control characters
const NEEDS_ESCAPE = /["\\/\x00-\x1f\x7f]/g

/** cjson.encode(s) without its quotes. */
export function escapeJsonString(s: string): string {
  return s.replace(NEEDS_ESCAPE, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** The escaped properties, or Kong's message for properties it refuses. */
function sanitize(properties: unknown): Map<string, string> | string {
  if (!isTable(properties)) return 'properties must be an object'
  // An array's keys are numbers to Lua; an empty one has none.
  if (Array.isArray(properties)) return properties.length === 0 ? new Map() : 'properties must be an object'
  const out = new Map<string, string>()
  for (const [k, v] of Object.entries(properties)) {
    if (typeof v !== 'string') return `property values must be a string, got ${luaType(v)}`
    out.set(k, escapeJsonString(v))
  }
  return out
}

/** The rendered template, or Kong's error message. */
export function render(template: string, properties: unknown): { ok: true; text: string } | { ok: false; error: string } {
  const values = sanitize(properties)
  if (typeof values === 'string') return { ok: false, error: values }
  const text = template.replace(PLACEHOLDER, (whole, name: string) => values.get(name) ?? whole)
  const missing = new Set<string>()
  for (const m of text.matchAll(PLACEHOLDER)) missing.add(`[${m[1]!}]`)
  if (missing.size > 0) return { ok: false, error: `missing template parameters: ${[...missing].join(', ')}` }
  return { ok: true, text }
}
