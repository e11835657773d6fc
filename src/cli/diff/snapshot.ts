/**
 * One side of `gateway diff`: a file read and loaded exactly as `serve` loads
 * it, and which of the loaded values the loader made up rather than read
 * (random ids, generated credentials, load-time timestamps), so that two
 * loads of one file compare equal.
 */
import { readFile } from 'node:fs/promises'
import { loadConfig } from '../../config/load.js'
import type { ConfigIssue } from '../../config/issues.js'
import type { Config } from '../../config/model.js'
import { COLLECTIONS } from '../../config/schema/declarative.js'
import { canonical } from './canonical.js'

export interface Snapshot {
  readonly file: string
  readonly config: Config
  /** `collection\0index\0field` of every top-level field whose value the loader generated (or derived, for an id). */
  readonly generated: ReadonlySet<string>
}

export type SnapshotResult =
  { ok: true; snapshot: Snapshot; warnings: ConfigIssue[] } | { ok: false; issues: ConfigIssue[]; warnings: ConfigIssue[] } | { ok: false; io: string }

export const generatedKey = (collection: string, index: number, field: string) => `${collection}\u0000${index}\u0000${field}`

export async function loadSnapshot(file: string, env: NodeJS.ProcessEnv): Promise<SnapshotResult> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    return { ok: false, io: `${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }
  }
  const first = loadConfig(text, { file, env })
  if (!first.ok) return { ok: false, issues: first.issues, warnings: first.warnings }
  // The loader is deterministic but for what it makes up: a value that differs
  // between two loads of the same text was generated (a random id or key).
  const second = loadConfig(text, { file, env })
  if (!second.ok) return { ok: false, issues: second.issues, warnings: second.warnings }
  return { ok: true, snapshot: { file, config: first.config, generated: generatedFields(first.config, second.config, text) }, warnings: first.warnings }
}

/**
 * Besides random values, an id the file does not write is derived (from the
 * name, or from the cache key, whose parts differ between the nested and flat
 * forms of one config): only a written id is the entity's own.
 */
function generatedFields(a: Config, b: Config, text: string): Set<string> {
  const substituted = new Set(a.sources.map((s) => s.value))
  const written = (id: unknown) => typeof id === 'string' && (text.includes(id) || substituted.has(id))
  const out = new Set<string>()
  for (const collection of COLLECTIONS) {
    const xs = a[collection] as readonly Record<string, unknown>[]
    const ys = b[collection] as readonly Record<string, unknown>[]
    xs.forEach((x, i) => {
      const y = ys[i] ?? {}
      for (const [field, v] of Object.entries(x)) {
        if (canonical(v) !== canonical(y[field])) out.add(generatedKey(collection, i, field))
        else if (field === 'id' && !written(v)) out.add(generatedKey(collection, i, field))
        // A declared token or code without created_at gets the load's time: equal in two loads of one second.
        else if (field === 'created_at' && typeof v === 'number' && !text.includes(String(v))) out.add(generatedKey(collection, i, field))
      }
    })
  }
  return out
}
