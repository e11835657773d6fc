/** request-callout's value helpers: a value as header or query text, JSON in and out. */

/** A value as a header or query value: strings as they are, tables as JSON. */
export const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v))

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function parseJson(buf: Buffer | string): unknown {
  try {
    return JSON.parse(buf.toString())
  } catch {
    return undefined
  }
}

/** A JSON value with object keys sorted (stable cache keys). */
export function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted)
  if (!isObject(v)) return v
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sorted(v[k])]),
  )
}
