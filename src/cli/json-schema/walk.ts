/**
 * The JSON Schema tree, seen as schemas: which keywords hold subschemas (and
 * which hold plain data, such as `enum`, `required` or the `properties` map
 * itself), so the passes over the generated schema rewrite schemas only.
 */

/** A JSON Schema node (draft 2020-12). */
export type Json = Record<string, unknown>

export const isSchema = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v)

/** Keywords whose value is one subschema. */
const ONE = ['additionalProperties', 'items', 'not', 'if', 'then', 'else', 'contains', 'propertyNames', 'unevaluatedProperties', 'unevaluatedItems'] as const
/** Keywords whose value is a list of subschemas. */
const LIST = ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const
/** Keywords whose value maps names to subschemas. */
const MAP = ['properties', 'patternProperties', '$defs', 'dependentSchemas'] as const

/** A copy of `node` with each direct subschema replaced by `f(subschema, key)`; `key` is the property name under `properties`. */
export function mapChildren(node: Json, f: (child: Json, key: string | undefined) => Json): Json {
  const out: Json = { ...node }
  for (const k of ONE) if (isSchema(node[k])) out[k] = f(node[k], undefined)
  for (const k of LIST) {
    const list = node[k]
    if (Array.isArray(list)) out[k] = list.map((c: unknown) => (isSchema(c) ? f(c, undefined) : c))
  }
  for (const k of MAP) {
    const map = node[k]
    if (isSchema(map))
      out[k] = Object.fromEntries(Object.entries(map).map(([name, c]) => [name, isSchema(c) ? f(c, k === 'properties' ? name : undefined) : c]))
  }
  return out
}

/** Rewrites every schema bottom-up: children first, then the node itself. */
export function mapSchemas(node: Json, f: (node: Json, key: string | undefined) => Json, key?: string): Json {
  return f(
    mapChildren(node, (c, k) => mapSchemas(c, f, k)),
    key,
  )
}

/** Annotation keywords: they describe a schema without constraining it. */
export const ANNOTATIONS = ['title', 'description', 'default', 'examples', 'deprecated'] as const

/** A node split into its annotations and the rest (what it checks). */
export function splitAnnotations(node: Json): { notes: Json; body: Json } {
  const notes: Json = {}
  const body: Json = {}
  for (const [k, v] of Object.entries(node)) {
    if ((ANNOTATIONS as readonly string[]).includes(k)) notes[k] = v
    else body[k] = v
  }
  return { notes, body }
}
