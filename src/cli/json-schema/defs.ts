/**
 * Moves every subschema that occurs more than once into `$defs`, referenced by
 * `$ref`. The plugin configs are generated once per place a plugin may stand
 * (top level, under a service, a route, a consumer, a nested route) and the
 * shared types once per field: without this the file was 1.6 MB and ajv took
 * seconds to compile it. A reference keeps the annotations (description,
 * default) of the place it stands, so editors still show them there.
 */
import { isSchema, mapChildren, splitAnnotations, type Json } from './walk.js'

/** A subschema smaller than this stays inline: its reference would save little. */
const MIN_SIZE = 120

function bodyKey(node: Json): string {
  return JSON.stringify(splitAnnotations(node).body)
}

/** A `$defs` name: the schema's title, else the field it was first met under; unique. */
function nameFor(body: Json, field: string | undefined, taken: Set<string>): string {
  const base = (typeof body.title === 'string' ? body.title : (field ?? 'schema')).replace(/[^A-Za-z0-9_-]+/g, '_')
  let name = base
  for (let n = 2; taken.has(name); n++) name = `${base}_${n}`
  taken.add(name)
  return name
}

export function shareDefs(root: Json): Json {
  // Count each subschema by what it checks (its own annotations left out).
  const counts = new Map<string, number>()
  const count = (node: Json): Json => {
    mapChildren(node, count)
    const key = bodyKey(node)
    if (key.length >= MIN_SIZE) counts.set(key, (counts.get(key) ?? 0) + 1)
    return node
  }
  mapChildren(root, count)

  const defs: Json = {}
  const names = new Map<string, string>()
  const taken = new Set(isSchema(root.$defs) ? Object.keys(root.$defs) : [])
  const visit = (node: Json, field: string | undefined): Json => {
    const key = bodyKey(node)
    if ((counts.get(key) ?? 0) < 2) return mapChildren(node, visit)
    const { notes, body } = splitAnnotations(node)
    let name = names.get(key)
    if (name === undefined) {
      name = nameFor(node, field, taken)
      names.set(key, name)
      // The title names the definition; it stays with it.
      defs[name] = mapChildren(typeof node.title === 'string' ? { ...body, title: node.title } : body, visit)
    }
    const { title: _title, ...rest } = notes
    return { ...rest, $ref: `#/$defs/${name}` }
  }
  const out = mapChildren(root, visit)
  return { ...out, $defs: { ...(isSchema(out.$defs) ? out.$defs : {}), ...defs } }
}
