/**
 * The shapes every normalization pass shares: a flat entity with its id, where
 * it is written in the file, and the per-collection lists the passes walk.
 */
import type { PathSegment } from '../issues.js'
import type { Collection } from '../schema/context.js'
import { COLLECTIONS } from '../schema/declarative.js'

export type Entity = Record<string, unknown> & { id: string }

export interface Located {
  entity: Entity
  /** Where the entity is written in the file. */
  path: PathSegment[]
  /** The collection it was nested in, if any. */
  parent?: Collection | undefined
  /** The id was derived from the file, not written in it. */
  derived: boolean
  /**
   * A stand-in for an entity that failed its schema (salvage.ts): it holds only
   * the fields that passed; `dropped` names those written but refused. Passes
   * that need a whole entity skip it; it never reaches a Config.
   */
  failed?: { dropped: ReadonlySet<string> } | undefined
  /**
   * A nested child that names a parent by `{ id }` other than the one it is
   * nested in: judged once every id is known (references.ts), as Kong checks it
   * as a reference (03-flatten_spec #7696).
   */
  claimed?: { field: string; ref: { id: string } } | undefined
}

/** Every collection's entities, in file order (a parent before its nested children). */
export type EntitySets = Record<Collection, Located[]>

export function emptySets(): EntitySets {
  return Object.fromEntries(COLLECTIONS.map((c) => [c, [] as Located[]])) as EntitySets
}
