/**
 * Uniqueness across the file: primary keys (written or derived) and the
 * fields Kong declares unique. A clash is reported at the later entity.
 */
import type { RawIssue } from '../issues.js'
import { COLLECTIONS } from '../schema/declarative.js'
import type { EntitySets, Located } from './located.js'
import { ID_FROM_UNIQUE_FIELD, UNIQUE } from './tables.js'

export function checkIds(sets: EntitySets): RawIssue[] {
  const issues: RawIssue[] = []
  for (const collection of COLLECTIONS) {
    const seen = new Map<string, Located>()
    for (const located of sets[collection]) {
      const first = seen.get(located.entity.id)
      // Both ids derived from the same unique field: checkUnique names that field instead.
      if (first && first.derived && located.derived && ID_FROM_UNIQUE_FIELD.has(collection)) continue
      if (first) {
        const why = collection === 'plugins' ? ` (plugin '${String(located.entity.name)}' is configured twice on the same route, service and consumer)` : ''
        issues.push({
          path: located.path,
          message: `uniqueness violation: '${collection}' entity with primary key set to '${located.entity.id}' already declared${why}`,
          kind: 'uniqueness',
          other: first.path,
        })
      } else seen.set(located.entity.id, located)
    }
  }
  return issues
}

export function checkUnique(sets: EntitySets): RawIssue[] {
  const issues: RawIssue[] = []
  for (const collection of COLLECTIONS) {
    for (const { field, secret } of UNIQUE[collection] ?? []) {
      const seen = new Map<unknown, Located>()
      for (const located of sets[collection]) {
        const v = located.entity[field]
        if (v === undefined) continue
        const first = seen.get(v)
        if (!first) {
          seen.set(v, located)
          continue
        }
        const shown = secret ? '<redacted>' : String(v)
        // The secret is not shown, so say where its other owner is (the loader adds the
        // place: a path in one file, file:line:column when several files are merged).
        const note = secret && typeof first.entity.consumer === 'string' ? 'the same key belongs to another credential' : undefined
        issues.push({
          path: [...located.path, field],
          message: `uniqueness violation: '${collection}' entity with ${field} set to '${shown}' already declared`,
          kind: 'uniqueness',
          other: [...first.path, field],
          ...(note ? { otherNote: note } : {}),
        })
      }
    }
  }
  return issues
}
