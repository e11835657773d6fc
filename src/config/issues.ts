/**
 * Config problems as users see them: `FILE:LINE:COLUMN: PATH: message`, with
 * Kong's wording. zod issues are translated here, once, by one error map.
 */
import type * as z from 'zod'

export type PathSegment = string | number

/** An error refuses the file; a warning is reported and the file still loads. */
export type Severity = 'error' | 'warning'

/**
 * What a whole-file check found, so callers can treat problems by kind rather
 * than by wording:
 * - `reference`: a field names an entity the file does not have.
 * - `uniqueness`: two entities share an id or a field Kong declares unique.
 */
export type IssueKind = 'reference' | 'uniqueness'

export interface ConfigIssue {
  file: string
  line: number
  column: number
  /** Entity path, e.g. `services[0].routes[2].plugins[0].config.minute`. */
  path: string
  message: string
  severity: Severity
  /** The innermost named entity, e.g. `route 'orders'`, when it has a name. */
  entity?: string
  /**
   * The other place a problem involves (the first declaration of an entity
   * declared twice), when the config was loaded from several files.
   */
  related?: { file: string; line: number; column: number; path: string }
}

/** An issue before it is placed in the file. */
export interface RawIssue {
  path: readonly PathSegment[]
  message: string
  /** Point at the key of the last segment rather than at its value. */
  atKey?: boolean
  kind?: IssueKind
  /** The other place involved (the first declaration of a duplicate), as a path of the same document. */
  other?: readonly PathSegment[]
  /** Says what `other` is when the message cannot (a secret that is not shown). */
  otherNote?: string
}

const UNKNOWN_MARK = '\u0000unknown:'

const TYPE_NAMES: Record<string, string> = {
  string: 'expected a string',
  number: 'expected a number',
  int: 'expected an integer',
  boolean: 'expected a boolean',
  array: 'expected an array',
  object: 'expected a record',
  record: 'expected a map',
  map: 'expected a map',
}

function levenshtein(a: string, b: string): number {
  if (a === b) return 0
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!
    prev[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1))
      diag = tmp
    }
  }
  return prev[b.length]!
}

/** The known name closest to `word`, if one is close enough to be a likely typo. */
export function suggest(word: string, known: readonly string[]): string | undefined {
  const w = word.toLowerCase()
  let best: string | undefined
  let bestScore = Infinity
  for (const k of known) {
    const d = levenshtein(w, k.toLowerCase())
    const limit = Math.max(1, Math.floor(k.length / 3))
    if (d <= limit && d < bestScore) {
      best = k
      bestScore = d
    }
  }
  return best
}

/** Hints for keys Kong users meet when a file came from decK or Kong Enterprise. */
const KNOWN_FOREIGN_KEYS: Record<string, string> = {
  _workspace: 'a decK/Kong Enterprise key; Kong OSS rejects it too: remove it',
  _konnect: 'a decK/Konnect key; Kong rejects it too: remove it',
  _info: 'a decK key; Kong rejects it too: remove it',
  consumer_groups: 'consumer groups are a Kong Enterprise feature',
  consumer_group: 'consumer groups are a Kong Enterprise feature',
}

export function unknownFieldMessage(key: string, known: readonly string[]): string {
  const hint = Object.hasOwn(KNOWN_FOREIGN_KEYS, key) ? KNOWN_FOREIGN_KEYS[key] : undefined
  if (hint) return `unknown field (${hint})`
  const s = suggest(key, known)
  return s ? `unknown field (did you mean '${s}'?)` : 'unknown field'
}

/** The per-parse zod error map: Kong's messages for zod's built-in checks. */
export const kongErrorMap: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return 'required field missing'
      return (Object.hasOwn(TYPE_NAMES, iss.expected) ? TYPE_NAMES[iss.expected] : undefined) ?? `expected ${iss.expected}`
    case 'unrecognized_keys': {
      const def = (iss.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def
      const known = Object.keys(def?.shape ?? {})
      const perKey = Object.fromEntries(iss.keys.map((k) => [k, unknownFieldMessage(k, known)]))
      return UNKNOWN_MARK + JSON.stringify(perKey)
    }
    case 'invalid_value':
      // An enum field left out is missing, as Kong says of any required field.
      if (iss.input === undefined) return 'required field missing'
      return `expected one of: ${iss.values.map(String).join(', ')}`
    case 'too_small':
      if (iss.origin === 'array' || iss.origin === 'string') return `length must be at least ${String(iss.minimum)}`
      return `value must be at least ${String(iss.minimum)}`
    case 'too_big':
      if (iss.origin === 'array' || iss.origin === 'string') return `length must be at most ${String(iss.maximum)}`
      return `value must be at most ${String(iss.maximum)}`
    case 'invalid_format':
      return `invalid value: ${String(iss.input)}`
    case 'invalid_union':
      return 'invalid value'
    case 'invalid_key':
      return 'invalid key'
    default:
      return undefined
  }
}

/** zod issues, relative to `prefix`, as raw issues (one per unknown key). */
export function fromZod(issues: readonly z.core.$ZodIssue[], prefix: readonly PathSegment[] = []): RawIssue[] {
  const out: RawIssue[] = []
  for (const iss of issues) {
    const path = [...prefix, ...(iss.path as PathSegment[])]
    if (iss.message.startsWith(UNKNOWN_MARK)) {
      const perKey = JSON.parse(iss.message.slice(UNKNOWN_MARK.length)) as Record<string, string>
      for (const [key, message] of Object.entries(perKey)) out.push({ path: [...path, key], message, atKey: true })
      continue
    }
    if (iss.code === 'invalid_union' && iss.errors.length > 0) {
      // Report the branch that got furthest rather than a bare 'invalid value'.
      const best = iss.errors.reduce((a, b) => (deepest(b) > deepest(a) ? b : a))
      if (best.length > 0 && deepest(best) > 0) {
        out.push(...fromZod(best, path))
        continue
      }
    }
    out.push({ path, message: iss.message })
  }
  return out
}

function deepest(issues: readonly z.core.$ZodIssue[]): number {
  return issues.reduce((m, i) => Math.max(m, i.path.length), 0)
}

/** `services[0].routes[2].paths[0]` */
export function formatPath(path: readonly PathSegment[]): string {
  let s = ''
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`
    else if (/^[A-Za-z_][\w-]*$/.test(seg)) s += s === '' ? seg : `.${seg}`
    else s += `[${JSON.stringify(seg)}]`
  }
  return s
}

export function compareIssues(a: ConfigIssue, b: ConfigIssue): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.path.localeCompare(b.path)
}
