/**
 * References resolved: a field naming another entity (by endpoint key, id, or
 * `{ id | name | username }`) is replaced by that entity's id, or reported.
 */
import type { RawIssue } from '../issues.js'
import type { Collection } from '../schema/context.js'
import { COLLECTIONS } from '../schema/declarative.js'
import type { Entity, EntitySets } from './located.js'
import { isNonEmpty, nestedElsewhere } from './flatten.js'
import { ENDPOINT_KEY, NEEDS_ID, REFERENCES, needsIdMessage } from './tables.js'

interface Index {
  byKey: Map<string, Entity>
  byId: Map<string, Entity>
}

/** Per collection: entities by endpoint key (the first one written wins) and by id. */
function index(sets: EntitySets): Map<Collection, Index> {
  const indexes = new Map<Collection, Index>()
  for (const collection of COLLECTIONS) {
    const key = ENDPOINT_KEY[collection]
    const byKey = new Map<string, Entity>()
    const byId = new Map<string, Entity>()
    for (const { entity } of sets[collection]) {
      byId.set(entity.id, entity)
      const k = key ? entity[key] : undefined
      if (typeof k === 'string' && !byKey.has(k)) byKey.set(k, entity)
    }
    indexes.set(collection, { byKey, byId })
  }
  return indexes
}

/** Resolves every reference; one into an `uncertain` collection (salvage.ts) is resolved when it can be, never reported. */
export function resolveReferences(sets: EntitySets, uncertain: ReadonlySet<Collection> = new Set()): RawIssue[] {
  const issues: RawIssue[] = []
  const indexes = index(sets)
  for (const collection of COLLECTIONS) {
    const refs = REFERENCES[collection]
    if (!refs) continue
    const needs = NEEDS_ID[collection]
    for (const { entity, path } of sets[collection]) {
      for (const [field, target] of Object.entries(refs)) {
        const ref = entity[field]
        if (ref === undefined) continue
        const idx = indexes.get(target)!
        let found: Entity | undefined
        let shown: string
        if (typeof ref === 'string') {
          found = idx.byKey.get(ref) ?? idx.byId.get(ref)
          shown = ref
        } else {
          const o = ref as { id?: string; name?: string; username?: string }
          found = (o.id !== undefined ? idx.byId.get(o.id) : undefined) ?? idx.byKey.get(o.name ?? o.username ?? '')
          shown = JSON.stringify(ref)
        }
        if (found) entity[field] = found.id
        else if (uncertain.has(target)) continue
        else if (typeof ref === 'string' && needs?.reference === field && isNonEmpty(entity[needs.input])) {
          // Kong's words: the transformation lacks the id it needs, and the name resolved to no primary key.
          issues.push({ path, message: needsIdMessage(needs.input, field), kind: 'reference' })
          issues.push({ path: [...path, field, 'id'], message: `missing primary key (no such entry in '${target}': ${ref})`, kind: 'reference' })
        } else issues.push({ path: [...path, field], message: `invalid reference '${field}: ${shown}' (no such entry in '${target}')`, kind: 'reference' })
      }
    }
  }
  // A nested child naming a parent by id other than its own: dangling as Kong words it; else ours (value must be null).
  for (const collection of COLLECTIONS) {
    for (const { claimed, parent, path } of sets[collection]) {
      if (!claimed || !parent) continue
      if (uncertain.has(parent)) continue
      const at = [...path, claimed.field]
      if (indexes.get(parent)!.byId.has(claimed.ref.id)) issues.push({ path: at, message: nestedElsewhere(collection, parent) })
      else
        issues.push({
          path: at,
          message: `invalid reference '${claimed.field}: ${JSON.stringify(claimed.ref)}' (no such entry in '${parent}')`,
          kind: 'reference',
        })
    }
  }
  // A service's ca_certificates is a list of ids, not one reference field.
  for (const { entity, path } of sets.services) {
    const cas = entity.ca_certificates as string[] | undefined
    cas?.forEach((id, i) => {
      if (!indexes.get('ca_certificates')!.byId.has(id) && !uncertain.has('ca_certificates')) {
        issues.push({
          path: [...path, 'ca_certificates', i],
          message: `invalid reference 'ca_certificates: ${id}' (no such entry in 'ca_certificates')`,
          kind: 'reference',
        })
      }
    })
  }
  return issues
}
