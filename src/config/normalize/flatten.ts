/**
 * Nested → flat: a validated entity and everything nested in it become one
 * entry per collection, each child pointing back at its parent, each entity
 * with the id Kong would give it.
 */
import { entityId, randomUUID } from '../ids.js'
import type { PathSegment, RawIssue } from '../issues.js'
import type { Collection } from '../schema/context.js'
import type { Entity, EntitySets } from './located.js'
import { CACHE_KEY, ENDPOINT_KEY, NESTED, RANDOM_ID, SINGULAR } from './tables.js'

const META_KEYS = new Set(['_comment', '_ignore'])

interface Parent {
  collection: Collection
  /** The child's field that points at the parent. */
  fk: string
  entity: Entity
}

/** Adds `value` (and its nested children, after it) to `sets`; returns what was wrong with the nesting. */
export function flatten(sets: EntitySets, collection: Collection, value: Record<string, unknown>, path: PathSegment[]): RawIssue[] {
  const issues: RawIssue[] = []
  addEntity(sets, issues, collection, value, path)
  return issues
}

function addEntity(sets: EntitySets, issues: RawIssue[], collection: Collection, value: Record<string, unknown>, path: PathSegment[], parent?: Parent): void {
  const flat: Record<string, unknown> = {}
  const nested = NESTED[collection] ?? {}
  for (const [k, v] of Object.entries(value)) {
    if (META_KEYS.has(k) || k in nested || v === undefined) continue
    flat[k] = v
  }
  if (parent) {
    const given = flat[parent.fk]
    if (given !== undefined && !pointsAt(given, parent.collection, parent.entity)) {
      issues.push({
        path: [...path, parent.fk],
        message: `value must be null (this ${SINGULAR[collection]} is nested in a ${SINGULAR[parent.collection]})`,
      })
    }
    delete flat[parent.fk]
  }
  const derived = typeof flat.id !== 'string'
  const id = derived ? deriveId(collection, flat, parent?.fk, parent?.entity.id) : (flat.id as string)
  if (parent) flat[parent.fk] = parent.entity.id
  flat.id = id
  const entity = flat as Entity
  sets[collection].push({ entity, path, parent: parent?.collection, derived })

  for (const [child, fk] of Object.entries(nested) as [Collection, string][]) {
    const items = value[child]
    if (!Array.isArray(items)) continue
    items.forEach((item, i) => {
      // A certificate's snis may be written as bare names.
      const childValue = collection === 'certificates' && typeof item === 'string' ? { name: item } : (item as Record<string, unknown>)
      addEntity(sets, issues, child, childValue, [...path, child, i], { collection, fk, entity })
    })
  }
}

/** A nested child may still name its parent, as long as it names that parent. */
function pointsAt(ref: unknown, collection: Collection, entity: Entity): boolean {
  const key = ENDPOINT_KEY[collection]
  const s =
    typeof ref === 'string' ? ref : ((ref as Record<string, unknown>).id ?? (ref as Record<string, unknown>).name ?? (ref as Record<string, unknown>).username)
  return s === entity.id || (key !== undefined && s === entity[key])
}

/** Kong's id derivation: cache key first, then the unique endpoint key, else random. */
export function deriveId(collection: Collection, e: Record<string, unknown>, parentFk?: string, parentId?: string): string {
  if (RANDOM_ID.has(collection)) return randomUUID()
  const cacheKey = CACHE_KEY[collection]
  if (cacheKey) {
    const parts = [collection, '*']
    for (const f of cacheKey) {
      const v = e[f]
      if (typeof v === 'string') parts.push(v)
      else if (v === undefined) parts.push(f === parentFk && parentId ? parentId : '')
      // A reference written as an object ({ id: ... }) is left out, as Kong does.
    }
    return entityId(collection, parts.join(':'))
  }
  const key = ENDPOINT_KEY[collection]
  const v = key ? e[key] : undefined
  return typeof v === 'string' ? entityId(collection, v) : randomUUID()
}
