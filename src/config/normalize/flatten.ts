/**
 * Nested → flat: a validated entity and everything nested in it become one
 * entry per collection, each child pointing back at its parent, each entity
 * with the id Kong would give it.
 */
import { entityId, randomUUID } from '../ids.js'
import type { PathSegment, RawIssue } from '../issues.js'
import type { Collection } from '../schema/context.js'
import type { Entity, EntitySets, Located } from './located.js'
import { CACHE_KEY, ENDPOINT_KEY, NEEDS_ID, NESTED, RANDOM_ID, SINGULAR, needsIdMessage } from './tables.js'

const META_KEYS = new Set(['_comment', '_ignore'])

export interface Parent {
  collection: Collection
  /** The child's field that points at the parent. */
  fk: string
  entity: Entity
  /** The parent is a stand-in (salvage.ts): its own key may be missing, so a child naming it is not judged. */
  failed?: boolean
}

/** Adds `value` (and its nested children, after it) to `sets`; returns what was wrong with the nesting. */
export function flatten(sets: EntitySets, collection: Collection, value: Record<string, unknown>, path: PathSegment[]): RawIssue[] {
  const issues: RawIssue[] = []
  addEntity(sets, issues, collection, value, path)
  return issues
}

/** Adds one entity (and, unless it is a stand-in, its nested children); returns it, with its id. */
export function addEntity(
  sets: EntitySets,
  issues: RawIssue[],
  collection: Collection,
  value: Record<string, unknown>,
  path: PathSegment[],
  parent?: Parent,
  failed?: Located['failed'],
): Entity {
  const flat: Record<string, unknown> = {}
  const nested = NESTED[collection] ?? {}
  for (const [k, v] of Object.entries(value)) {
    if (META_KEYS.has(k) || k in nested || v === undefined) continue
    flat[k] = v
  }
  let claimed: Located['claimed']
  if (parent) {
    const given = flat[parent.fk]
    if (given !== undefined && !parent.failed && !pointsAt(given, parent.collection, parent.entity)) {
      if (isIdRef(given)) claimed = { field: parent.fk, ref: given }
      else {
        issues.push({ path: [...path, parent.fk], message: nestedElsewhere(collection, parent.collection) })
        // Kong's transformation check fails too: the parent's id it needs is not the one written.
        const needs = NEEDS_ID[collection]
        if (needs?.reference === parent.fk && isNonEmpty(flat[needs.input])) issues.push({ path, message: needsIdMessage(needs.input, needs.reference) })
      }
    }
    delete flat[parent.fk]
  }
  const derived = typeof flat.id !== 'string'
  const id = derived ? deriveId(collection, flat, parent?.fk, parent?.entity.id) : (flat.id as string)
  if (parent) flat[parent.fk] = parent.entity.id
  flat.id = id
  const entity = flat as Entity
  sets[collection].push({ entity, path, parent: parent?.collection, derived, failed, claimed })
  if (failed) return entity

  for (const [child, fk] of Object.entries(nested) as [Collection, string][]) {
    const items = value[child]
    if (!Array.isArray(items)) continue
    items.forEach((item, i) => {
      const childValue = nestedValue(collection, item) as Record<string, unknown>
      addEntity(sets, issues, child, childValue, [...path, child, i], { collection, fk, entity })
    })
  }
  return entity
}

/** A certificate's snis may be written as bare names. */
export const nestedValue = (parent: Collection, item: unknown): unknown => (parent === 'certificates' && typeof item === 'string' ? { name: item } : item)

/** Kong's `value must be null` for a nested child's parent field, with what it is nested in. */
export function nestedElsewhere(collection: Collection, parent: Collection): string {
  return `value must be null (this ${SINGULAR[collection]} is nested in a ${SINGULAR[parent]})`
}

const isIdRef = (v: unknown): v is { id: string } => v !== null && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string'

export const isNonEmpty = (v: unknown): boolean => v !== undefined && v !== ''

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
