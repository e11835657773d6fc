/**
 * Kong's record and map checks ask only for a Lua table (kong/db/schema/init.lua,
 * validate_field: `type(value) ~= "table"`), and YAML's empty list `[]` is an
 * empty table too: Kong fills it with the record's defaults. So a schema parse
 * that refuses an empty list where it wants an object is run again with `{}`
 * there. A non-empty list stays refused ("expected a record").
 */
import type { z } from 'zod'

type Issue = z.core.$ZodIssue
type Path = readonly PropertyKey[]

function at(value: unknown, path: Path): unknown {
  let v = value
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined
    v = (v as Record<PropertyKey, unknown>)[key]
  }
  return v
}

/** The paths of empty lists the parse wanted as objects (union branches included). */
function emptyLists(issues: readonly Issue[], input: unknown, base: Path, out: Path[]): void {
  for (const issue of issues) {
    const path = [...base, ...issue.path]
    if (issue.code === 'invalid_union') for (const branch of issue.errors) emptyLists(branch, input, path, out)
    else if (issue.code === 'invalid_type' && (issue.expected === 'object' || issue.expected === 'record')) {
      const v = at(input, path)
      if (Array.isArray(v) && v.length === 0) out.push(path)
    }
  }
}

/** `value` with `{}` at `path`, copying only the containers on the way (the parsed document stays as read). */
function withEmptyRecord(value: unknown, path: Path): unknown {
  if (path.length === 0) return {}
  const [key, ...rest] = path
  const copy = (Array.isArray(value) ? [...(value as unknown[])] : { ...(value as object) }) as Record<PropertyKey, unknown>
  copy[key!] = withEmptyRecord(copy[key!], rest)
  return copy
}

// Each round replaces every empty list the parse reported; a record hidden in an
// empty list's union branch takes one more. No real file needs more than a few.
const MAX_ROUNDS = 64

/**
 * `schema.safeParse`, with an empty list read as an empty record wherever the
 * schema expects a record or a map. Each round replaces at least one empty
 * list, so it ends; a file without one is parsed once.
 */
export function parseTables<S extends z.ZodType>(schema: S, value: unknown, params?: z.core.ParseContext<z.core.$ZodIssue>): z.ZodSafeParseResult<z.output<S>> {
  let input = value
  for (let round = 1; ; round++) {
    const result = schema.safeParse(input, params)
    if (result.success || round === MAX_ROUNDS) return result
    const paths: Path[] = []
    emptyLists(result.error.issues, input, [], paths)
    if (paths.length === 0) return result
    for (const path of paths) input = withEmptyRecord(input, path)
  }
}
