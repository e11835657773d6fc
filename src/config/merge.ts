/**
 * Several declarative documents as one: the root that the whole-file checks
 * see, and the way back from a path in that root to the file (and the path in
 * it) where the value is written.
 *
 * The rules (README, "Several files"):
 * - collections are concatenated in file order; nothing is merged by name, so
 *   the same entity in two files is a uniqueness error of the merged document
 *   (decK's rule for several state files), reported at both places;
 * - `_format_version` and `_transform` may be left out of a file, but every
 *   file that writes one must write the value the first file that has it wrote;
 * - `_comment` and `_ignore` are the file's own business: the first file's
 *   value is kept.
 */
import { unknownFieldMessage, type PathSegment, type RawIssue } from './issues.js'
import { COLLECTIONS, ROOT_META_KEYS } from './schema/declarative.js'

/** Where a value of the merged document is written. */
export interface Origin {
  /** Index of the file in load order. */
  file: number
  /** The value's path in that file. */
  path: PathSegment[]
}

/** A problem of one file found while merging, at a path of that file. */
export interface MergeIssue {
  file: number
  raw: RawIssue
  /** The other place involved, as a path of the merged document. */
  other?: readonly PathSegment[]
}

export interface Merged {
  root: Record<string, unknown>
  /** The file and local path of a path of the merged document. */
  origin(path: readonly PathSegment[]): Origin
  issues: MergeIssue[]
}

/** Root keys every file must agree on when it writes them. */
const AGREED = ['_format_version', '_transform'] as const

const COLLECTION_SET: ReadonlySet<string> = new Set(COLLECTIONS)

export function mergeRoots(roots: readonly Record<string, unknown>[]): Merged {
  if (roots.length === 1) return { root: roots[0]!, origin: (path) => ({ file: 0, path: [...path] }), issues: [] }
  const root: Record<string, unknown> = {}
  const issues: MergeIssue[] = []
  /** First file writing each root key. */
  const keyFile = new Map<string, number>()
  /** Per collection, where each file's items start in the merged array. */
  const starts = new Map<string, { file: number; start: number }[]>()
  const put = (key: string, value: unknown) => Object.defineProperty(root, key, { value, enumerable: true, writable: true, configurable: true })

  roots.forEach((r, file) => {
    for (const [key, value] of Object.entries(r)) {
      const first = keyFile.get(key)
      if (COLLECTION_SET.has(key) && Array.isArray(value)) {
        const into = (root[key] as unknown[] | undefined) ?? []
        if (first === undefined) put(key, into)
        if (first !== undefined && !Array.isArray(root[key])) {
          // The first file's value is not a list (reported there): this file's list is checked on its own.
          issues.push(...notMerged(file, key, value))
          continue
        }
        const list = starts.get(key) ?? []
        list.push({ file, start: into.length })
        starts.set(key, list)
        into.push(...value)
        if (first === undefined) keyFile.set(key, file)
        continue
      }
      if (first === undefined) {
        keyFile.set(key, file)
        put(key, value)
        continue
      }
      if ((AGREED as readonly string[]).includes(key) && root[key] !== value) {
        issues.push({
          file,
          raw: { path: [key], message: `expected ${JSON.stringify(root[key])}: every file that sets ${key} must set the same value` },
          other: [key],
        })
      } else if (COLLECTION_SET.has(key)) {
        // Not a list here: reported as in one file (the key's own file).
        issues.push({ file, raw: { path: [key], message: 'expected an array' } })
      } else if (!(ROOT_META_KEYS as readonly string[]).includes(key)) {
        // The first file's is reported by the root check; this one is in another file.
        issues.push({ file, raw: { path: [key], message: unknownFieldMessage(key, [...ROOT_META_KEYS, ...COLLECTIONS]), atKey: true } })
      }
    }
  })

  const origin = (path: readonly PathSegment[]): Origin => {
    const [key, index, ...rest] = path
    if (typeof key !== 'string') return { file: 0, path: [...path] }
    const list = starts.get(key)
    if (list && typeof index === 'number') {
      for (let i = list.length - 1; i >= 0; i--) {
        const part = list[i]!
        if (index >= part.start) return { file: part.file, path: [key, index - part.start, ...rest] }
      }
    }
    return { file: keyFile.get(key) ?? 0, path: [...path] }
  }
  return { root, origin, issues }
}

/** A collection written as a list after another file wrote it as something else: not merged, so say so. */
function notMerged(file: number, key: string, value: unknown[]): MergeIssue[] {
  return value.length === 0 ? [] : [{ file, raw: { path: [key], message: 'not merged: another file sets this collection to something other than an array' } }]
}
