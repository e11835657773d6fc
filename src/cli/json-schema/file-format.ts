/**
 * What the loader accepts beyond the zod shapes, told to the JSON Schema so
 * that an editor agrees with `gateway validate`:
 * - an explicit `null` on an optional field (decK dumps write them): the loader
 *   drops nulls from mappings before validating, so such a field is unset;
 * - a decK template (`${{ env "DECK_X" | toInt }}`) wherever a typed scalar is
 *   expected: the loader substitutes it in the text before parsing, so an
 *   editor, which sees the template, cannot judge the value;
 * - a service `url`, which overrides protocol, host, port and path (Kong
 *   ignores what those fields say then, so `protocol: ws` beside a url loads).
 */
import { SERVICE_URL_PATTERN } from './hints.js'
import { isSchema, mapSchemas, splitAnnotations, type Json } from './walk.js'

export const TEMPLATE_DEF = 'deck_env_template'

/** A string holding a decK env template: substituted at load time, unknown to an editor. */
export const templateSchema: Json = {
  type: 'string',
  pattern: '\\$\\{\\{\\s*env\\s+"[^"]*"\\s*(?:\\|[^}]*)?\\}\\}',
  description: 'A decK template, `${{ env "DECK_NAME" }}` (with `| toInt`, `| toFloat`, `| toBool`): replaced by the variable before the file is parsed.',
}

const TEMPLATE_REF: Json = { $ref: `#/$defs/${TEMPLATE_DEF}` }
const NULL: Json = { type: 'null' }

const SCALARS = new Set(['integer', 'number', 'boolean'])

/**
 * A scalar a template may stand for: anything typed or constrained beyond a
 * plain string. A number or boolean takes the template as a second type (a
 * pattern only applies to strings, so one schema says both: ajv compiles far
 * less code than for an anyOf at every field); a constrained string needs the
 * anyOf.
 */
function withTemplate(node: Json): Json {
  const { notes, body } = splitAnnotations(node)
  const t = body.type
  if (typeof t === 'string' && SCALARS.has(t) && !('pattern' in body)) {
    return { ...node, type: [t, 'string'], pattern: templateSchema.pattern }
  }
  const constrained =
    t === 'string' ? ['pattern', 'enum', 'format', 'minLength', 'maxLength'].some((k) => k in body) : t === undefined && Array.isArray(body.enum)
  return constrained ? { ...notes, anyOf: [body, TEMPLATE_REF] } : node
}

/** The node also accepting null, its annotations kept in place (editors show them on hover). */
function nullable(node: Json): Json {
  const { notes, body } = splitAnnotations(node)
  const keys = Object.keys(body)
  if (keys.length === 0) return node
  const t = body.type
  if ((typeof t === 'string' || Array.isArray(t)) && !('enum' in body) && !('const' in body)) {
    const types = typeof t === 'string' ? [t] : (t as string[])
    return types.includes('null') ? node : { ...node, type: [...types, 'null'] }
  }
  if (Array.isArray(body.anyOf) && keys.length === 1) return { ...notes, anyOf: [...(body.anyOf as Json[]), NULL] }
  return { ...notes, anyOf: [body, NULL] }
}

/** Optional properties and record values accept null. */
function nullsAsUnset(node: Json): Json {
  const out = { ...node }
  if (isSchema(node.properties)) {
    const required = new Set(Array.isArray(node.required) ? (node.required as string[]) : [])
    out.properties = Object.fromEntries(Object.entries(node.properties).map(([k, v]) => [k, required.has(k) || !isSchema(v) ? v : nullable(v)]))
  }
  if (isSchema(node.additionalProperties)) out.additionalProperties = nullable(node.additionalProperties)
  return out
}

const URL_FIELDS = ['protocol', 'host', 'port', 'path'] as const

/** With a `url`, protocol, host, port and path are not checked (the url overrides them); without one, they are, and host is required. */
function urlShorthand(node: Json): Json {
  const props = node.properties
  if (!isSchema(props) || !isSchema(props.url) || !URL_FIELDS.every((f) => isSchema(props[f]))) return node
  const checked: Json = {}
  const open: Json = { ...props }
  for (const f of URL_FIELDS) {
    // The url's absence is what makes these count, so a null host is a missing one.
    checked[f] = f === 'host' ? props[f] : nullable(props[f] as Json)
    const { notes } = splitAnnotations(props[f] as Json)
    open[f] = notes
  }
  open.url = withTemplate({ ...props.url, pattern: SERVICE_URL_PATTERN })
  return {
    ...node,
    properties: open,
    if: { required: ['url'], properties: { url: { type: 'string' } } },
    else: { required: ['host'], properties: checked },
  }
}

/** The three rules over the whole generated schema; adds the template definition. */
export function fileFormat(root: Json): Json {
  const out = mapSchemas(root, (node) => nullsAsUnset(urlShorthand(withTemplate(node))))
  return { ...out, $defs: { ...(isSchema(out.$defs) ? out.$defs : {}), [TEMPLATE_DEF]: templateSchema } }
}
