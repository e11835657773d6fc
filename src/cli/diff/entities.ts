/**
 * The entity-level change between two snapshots: entities paired by a written
 * id first, then by identity (identity.ts); each pair compared field by field
 * on the normalized config the loader produced (defaults filled in, nested
 * and flat forms alike, references shown as the label of what they name).
 * Every value shown goes through the admin API's redaction: secrets are never
 * printed, values from the environment or a vault are shown as written.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { Collection } from '../../config/schema/context.js'
import { COLLECTIONS } from '../../config/schema/declarative.js'
import { REFERENCES, SINGULAR } from '../../config/normalize/tables.js'
import { REDACTED, redactForDisplay } from '../../config/secrets/index.js'
import type { PluginRegistry } from '../../plugins/registry.js'
import { canonical } from './canonical.js'
import { Identities, type Identity } from './identity.js'
import { generatedKey, type Snapshot } from './snapshot.js'

/** What a value the loader generated (a random id, a generated key) is shown and compared as. */
export const GENERATED = '(generated)'

export type Action = 'create' | 'update' | 'delete'

export interface FieldChange {
  /** Dotted path in the entity (`config.minute`); lists are compared whole. */
  readonly path: string
  /** Absent: unset on that side. Both absent with `secret`: a secret that changed, not shown. */
  readonly old?: unknown
  readonly new?: unknown
  readonly secret?: true
}

export interface EntityChange {
  readonly action: Action
  readonly collection: Collection
  /** `service`, `route`, `key-auth credential`, ... */
  readonly kind: string
  readonly name: string
  /** What changed (update). */
  readonly fields?: readonly FieldChange[]
  /** The whole entity, redacted (create: the new one; delete: the old one). */
  readonly entity?: Record<string, unknown>
}

/** One entity on one side: its comparable view (references as labels) and what may be shown of it. */
export interface Side {
  readonly index: number
  readonly entity: Readonly<Record<string, unknown>>
  readonly identity: Identity
  readonly view: Record<string, unknown>
  readonly display: Record<string, unknown>
}

export interface Pair {
  readonly collection: Collection
  readonly old: Side | undefined
  readonly new: Side | undefined
  readonly fields: readonly FieldChange[]
}

export interface EntityDiff {
  readonly changes: readonly EntityChange[]
  /** Every pair, unchanged ones included, by collection. */
  readonly pairs: ReadonlyMap<Collection, readonly Pair[]>
  readonly old: Identities
  readonly new: Identities
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

const digest = (v: unknown) => createHash('sha256').update(canonical(v)).digest()

/** Constant time: the values compared may be secrets. */
const same = (a: unknown, b: unknown) => timingSafeEqual(digest(a), digest(b))

function sides(snapshot: Snapshot, ids: Identities, collection: Collection, registry: PluginRegistry): Side[] {
  const refs = REFERENCES[collection] ?? {}
  const shown = (s: string) => redactForDisplay(s, registry, snapshot.config.sources)
  return (snapshot.config[collection] as readonly Record<string, unknown>[]).map((entity, index) => {
    const view: Record<string, unknown> = {}
    for (const [field, v] of Object.entries(entity)) {
      if (v === undefined) continue
      // A reference is shown as what it names (its id may be random; the label is not).
      if (refs[field] !== undefined) view[field] = ids.ref(refs[field], v)
      else if (snapshot.generated.has(generatedKey(collection, index, field))) view[field] = GENERATED
      else view[field] = v
    }
    const display = (redactForDisplay({ [collection]: [view] }, registry, snapshot.config.sources) as Record<string, Record<string, unknown>[]>)[
      collection
    ]![0]!
    const identity = ids.of(collection, index)
    return { index, entity, view, display, identity: { key: identity.key, label: shown(identity.label) } }
  })
}

/** The fields that differ; a secret (or a value shown only redacted) as changed, without either value. */
export function fieldChanges(a: unknown, b: unknown, da: unknown, db: unknown, path: readonly string[] = []): FieldChange[] {
  if (isRecord(a) && isRecord(b)) {
    const out: FieldChange[] = []
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()
    for (const k of keys) {
      const dA = isRecord(da) ? da[k] : undefined
      const dB = isRecord(db) ? db[k] : undefined
      out.push(...fieldChanges(a[k], b[k], dA, dB, [...path, k]))
    }
    return out
  }
  if (same(a, b)) return []
  const p = path.join('.')
  if (da === REDACTED || db === REDACTED || canonical(da) === canonical(db)) return [{ path: p, secret: true }]
  return [{ path: p, ...(da !== undefined && { old: da }), ...(db !== undefined && { new: db }) }]
}

function pairUp(collection: Collection, olds: Side[], news: Side[], oldSnap: Snapshot, newSnap: Snapshot): Pair[] {
  const pairs: Pair[] = []
  const stable = (snap: Snapshot, s: Side) => !snap.generated.has(generatedKey(collection, s.index, 'id'))
  const oldById = new Map(olds.filter((s) => stable(oldSnap, s)).map((s) => [s.entity.id as string, s]))
  const oldByKey = new Map(olds.map((s) => [s.identity.key, s]))
  const taken = new Set<Side>()
  const matched = new Map<Side, Side>()
  // An id written in both files ties the entities, whatever their names.
  for (const n of news) {
    const o = stable(newSnap, n) ? oldById.get(n.entity.id as string) : undefined
    if (o && !taken.has(o)) {
      taken.add(o)
      matched.set(n, o)
    }
  }
  for (const n of news) {
    if (matched.has(n)) continue
    const o = oldByKey.get(n.identity.key)
    if (o && !taken.has(o)) {
      taken.add(o)
      matched.set(n, o)
    }
  }
  for (const o of olds) if (!taken.has(o)) pairs.push({ collection, old: o, new: undefined, fields: [] })
  for (const n of news) {
    const o = matched.get(n)
    pairs.push({ collection, old: o, new: n, fields: o ? fieldChanges(o.view, n.view, o.display, n.display) : [] })
  }
  return pairs
}

/** A created or deleted entity as shown: an id the file did not write is left out (it is not the file's). */
function shownEntity(display: Record<string, unknown>): Record<string, unknown> {
  if (display.id !== GENERATED) return display
  const { id: _, ...rest } = display
  return rest
}

export function diffEntities(oldSnap: Snapshot, newSnap: Snapshot, registry: PluginRegistry): EntityDiff {
  const oldIds = new Identities(oldSnap)
  const newIds = new Identities(newSnap)
  const changes: EntityChange[] = []
  const pairs = new Map<Collection, Pair[]>()
  for (const collection of COLLECTIONS) {
    const ps = pairUp(collection, sides(oldSnap, oldIds, collection, registry), sides(newSnap, newIds, collection, registry), oldSnap, newSnap)
    pairs.set(collection, ps)
    const kind = SINGULAR[collection]
    const mine: EntityChange[] = []
    for (const p of ps) {
      if (!p.old) mine.push({ action: 'create', collection, kind, name: p.new!.identity.label, entity: shownEntity(p.new!.display) })
      else if (!p.new) mine.push({ action: 'delete', collection, kind, name: p.old.identity.label, entity: shownEntity(p.old.display) })
      else if (p.fields.length > 0) mine.push({ action: 'update', collection, kind, name: p.new.identity.label, fields: p.fields })
    }
    const rank: Record<Action, number> = { create: 0, update: 1, delete: 2 }
    mine.sort((a, b) => rank[a.action] - rank[b.action] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    changes.push(...mine)
  }
  return { changes, pairs, old: oldIds, new: newIds }
}
