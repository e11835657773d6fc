/** The answer of `gateway diff`, as every format renders it; json.ts documents its stable shape. */
import type { Action, EntityChange } from './entities.js'
import type { RouteImpact } from './routes.js'

export interface DiffResult {
  readonly old: string
  readonly new: string
  readonly changes: readonly EntityChange[]
  readonly routes: readonly RouteImpact[]
}

export const isEqual = (r: DiffResult) => r.changes.length === 0 && r.routes.length === 0

export function counts(r: DiffResult): Record<Action, number> {
  const out: Record<Action, number> = { create: 0, update: 0, delete: 0 }
  for (const c of r.changes) out[c.action]++
  return out
}

/** A value as one line of text (`(unset)` when absent). */
export function shown(v: unknown): string {
  if (v === undefined) return '(unset)'
  return typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v))
}

/** One field change as `path: old → new`, or `path: changed (secret, not shown)`. */
export function fieldLine(f: { path: string; old?: unknown; new?: unknown; secret?: true }): string {
  return f.secret ? `${f.path}: changed (secret, not shown)` : `${f.path}: ${shown(f.old)} → ${shown(f.new)}`
}
