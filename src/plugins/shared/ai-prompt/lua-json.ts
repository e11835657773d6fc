/**
 * JSON values as Kong's Lua code sees them after cjson.decode: JSON null is
 * cjson.null (a userdata, and truthy), objects and arrays are tables. The AI
 * prompt plugins test bodies with Lua's truthiness and type names, and their
 * messages name those types.
 */

/** Lua's truthiness: only nil (absent) and false are false; JSON null is cjson.null, a value. */
export const truthy = (v: unknown): boolean => v !== undefined && v !== false

/** Lua's type() of a decoded JSON value. */
export function luaType(v: unknown): string {
  if (v === undefined) return 'nil'
  if (v === null) return 'userdata'
  if (typeof v === 'object') return 'table'
  return typeof v
}

/** A decoded table (JSON object or array). */
export const isTable = (v: unknown): v is Record<string, unknown> | unknown[] => v !== null && typeof v === 'object'

/**
 * `t.key` in Lua on a decoded value: a table's field (an array has no string
 * keys), nil for a string (the string library has no such function), and
 * Lua's error for anything else (undefined here: the caller answers 500).
 */
export function field(v: unknown, key: string): { value: unknown } | undefined {
  if (typeof v === 'string') return { value: undefined }
  if (!isTable(v)) return undefined
  if (Array.isArray(v)) return { value: undefined }
  return { value: Object.hasOwn(v, key) ? v[key] : undefined }
}

/** Lua's error text for indexing a value that is not a table or a string. */
export const indexError = (v: unknown): string => `attempt to index a ${luaType(v)} value`
