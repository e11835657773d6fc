/**
 * An entity that failed its schema still stands in the file: other entities
 * name it, its nested children are entities of their own, its names must still
 * be unique. Left out, it hid every other problem behind its own until that was
 * fixed: a plugin nested in it was never checked, a route naming it was called
 * dangling. So `gateway validate` could not report every problem in one run.
 *
 * Its stand-in keeps only what passed: each field the schema found nothing
 * wrong in (`dropped` names the others). Its nested children are validated on
 * their own and added as usual, or stand in the same way. A stand-in never
 * reaches a Config: the file already has an error.
 */
import type * as z from 'zod'
import { parseTables } from '../empty-tables.js'
import { randomUUID } from '../ids.js'
import type { PathSegment, RawIssue } from '../issues.js'
import type { Collection } from '../schema/context.js'
import { addEntity, nestedValue, type Parent } from './flatten.js'
import type { EntitySets } from './located.js'
import { CACHE_KEY, ENDPOINT_KEY, NESTED, REFERENCES } from './tables.js'

export interface Salvage {
  /** The schema of a `child` item nested in `parent`, as the parent's own schema checks it. */
  nested(parent: Collection, child: Collection): z.ZodType
  /** Whether the schema reported a problem at or below `path`. */
  bad(path: readonly PathSegment[]): boolean
  /**
   * Collections that may hold an entity no stand-in can carry (its name or id
   * was refused, or it is not even an object): a reference into one of them
   * might name it, so references into them are not judged.
   */
  uncertain: Set<Collection>
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

/** Adds the stand-in of `raw` (which failed its schema at `path`) and its nested children. */
export function addFailed(
  sets: EntitySets,
  issues: RawIssue[],
  collection: Collection,
  raw: unknown,
  path: PathSegment[],
  salvage: Salvage,
  parent?: Parent,
): void {
  if (!isObject(raw)) {
    salvage.uncertain.add(collection)
    return
  }
  const nested = NESTED[collection] ?? {}
  const kept: Record<string, unknown> = {}
  const dropped = new Set<string>()
  for (const [k, v] of Object.entries(raw)) {
    if (k in nested || v === undefined) continue
    if (salvage.bad([...path, k])) dropped.add(k)
    else Object.defineProperty(kept, k, { value: v, enumerable: true, writable: true, configurable: true })
  }
  const key = ENDPOINT_KEY[collection]
  if (dropped.has('id') || (key !== undefined && dropped.has(key))) salvage.uncertain.add(collection)
  // An id derived from incomplete fields could collide with another stand-in's: such a stand-in gets a random one.
  if (typeof kept.id !== 'string' && !derivable(collection, kept, dropped)) kept.id = randomUUID()
  const entity = addEntity(sets, issues, collection, kept, path, parent, { dropped })

  const asParent = (fk: string): Parent => ({ collection, fk, entity, failed: true })
  for (const [child, fk] of Object.entries(nested) as [Collection, string][]) {
    const items = raw[child]
    if (items === undefined) continue
    if (!Array.isArray(items)) {
      salvage.uncertain.add(child)
      continue
    }
    const schema = salvage.nested(collection, child)
    items.forEach((item, i) => {
      const at = [...path, child, i]
      const parsed = parseTables(schema, item)
      // Its problems were reported by the parent's schema already: here it only has to be added.
      if (parsed.success) addEntity(sets, issues, child, nestedValue(collection, parsed.data) as Record<string, unknown>, at, asParent(fk))
      else addFailed(sets, issues, child, nestedValue(collection, item), at, salvage, asParent(fk))
    })
  }
}

/** Whether Kong's id derivation has every field it needs (flatten.ts deriveId): none refused, the entity's own ones present. */
function derivable(collection: Collection, kept: Record<string, unknown>, dropped: ReadonlySet<string>): boolean {
  const cacheKey = CACHE_KEY[collection]
  if (cacheKey) return cacheKey.every((f) => !dropped.has(f) && (kept[f] !== undefined || REFERENCES[collection]?.[f] !== undefined))
  const key = ENDPOINT_KEY[collection]
  return key !== undefined && typeof kept[key] === 'string'
}
