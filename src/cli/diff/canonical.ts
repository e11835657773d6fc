/** A value as one string, object keys sorted: two values are equal for the diff when these are. */
export function canonical(v: unknown): string {
  return JSON.stringify(sortKeys(v)) ?? 'undefined'
}

function sortKeys(v: unknown, depth = 0): unknown {
  if (depth > 100 || v === null || typeof v !== 'object') return v
  if (Array.isArray(v)) return v.map((x) => sortKeys(x, depth + 1))
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(v).sort()) {
    const x = (v as Record<string, unknown>)[k]
    if (x !== undefined) Object.defineProperty(out, k, { value: sortKeys(x, depth + 1), enumerable: true })
  }
  return out
}
