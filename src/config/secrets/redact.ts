/**
 * Redaction of messages: a problem with a file (`gateway validate`, the reload
 * log, /status `last_error`) or a plugin's error about its settings, rewritten
 * so that no secret of the document (where.ts says which) and no value from
 * the environment or a vault is printed.
 */
import type { PluginRegistry } from '../../plugins/registry.js'
import type { PathSegment } from '../issues.js'
import type { Config } from '../model.js'
import { secretSpots, secretStrings, type SecretSpot } from './where.js'

export const REDACTED = '<redacted>'

/** Shorter secrets are only redacted where they are the value a message is about: elsewhere they would eat ordinary words. */
export const MIN_ECHO = 4

/** A run this long of a message about a secret field, found in that field's value, is redacted. */
const WINDOW = 8

/** Anything shaped like a JWT (header and payload are base64url JSON objects): redacted wherever a message echoes it. */
const JWT_RE = /eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** Every run of WINDOW characters or more of `message` that also occurs in `secret` is redacted. */
function redactRuns(message: string, secret: string): string {
  if (secret.length < WINDOW) {
    // Too short for runs: the value itself, where it stands alone.
    return quoted(message.replace(new RegExp(`(?<![A-Za-z0-9_-])${escapeRe(secret)}(?![A-Za-z0-9_-])`, 'g'), REDACTED), secret)
  }
  // Bounded work (a message is about one field; both are small). Past the bound, the whole value only.
  if (message.length * secret.length > 20_000_000) return message.split(secret).join(REDACTED)
  const marked = new Uint8Array(message.length)
  let any = false
  for (let i = 0; i + WINDOW <= message.length; i++) {
    if (secret.includes(message.slice(i, i + WINDOW))) {
      marked.fill(1, i, i + WINDOW)
      any = true
    }
  }
  if (!any) return quoted(message, secret)
  let out = ''
  for (let i = 0; i < message.length;) {
    if (marked[i]) {
      out += REDACTED
      while (i < message.length && marked[i]) i++
    } else out += message[i++]
  }
  return quoted(out, secret)
}

/** A quoted piece of the secret too short for a run (`near 'stuff'`) is redacted as well. */
function quoted(message: string, secret: string): string {
  // Between any two consecutive quotes (a lookahead, so `'a' near 'b'` yields both pieces).
  const hits: [number, number][] = []
  const re = /'(?=([^'\n]{3,})')/g
  for (let m = re.exec(message); m; m = re.exec(message)) if (secret.includes(m[1]!)) hits.push([m.index + 1, m.index + 1 + m[1]!.length])
  let out = message
  for (const [from, to] of hits.reverse()) out = `${out.slice(0, from)}${REDACTED}${out.slice(to)}`
  return out
}

/** Redacts the secrets of one document from messages about it. */
export class SecretRedactor {
  /** The document's secrets (and those from outside it) by their first characters, longest first. */
  readonly #byStart = new Map<string, string[]>()
  /** The secret fields by entity (their first two path segments). */
  readonly #spots = new Map<string, SecretSpot[]>()
  readonly #all: readonly SecretSpot[]

  /** `values`: secrets from outside the document (environment and vault values), printed nowhere. */
  constructor(spots: readonly SecretSpot[], values: Iterable<string> = []) {
    this.#all = spots
    const all = new Set<string>()
    for (const v of values) if (v.length >= MIN_ECHO) all.add(v)
    for (const spot of spots) {
      for (const s of secretStrings(spot)) if (s.length >= MIN_ECHO) all.add(s)
      const key = entityKey(spot.path)
      this.#spots.set(key, [...(this.#spots.get(key) ?? []), spot])
    }
    // Longest first: a secret that contains another is replaced whole.
    for (const v of [...all].sort((a, b) => b.length - a.length)) {
      const start = v.slice(0, MIN_ECHO)
      const list = this.#byStart.get(start)
      if (list) list.push(v)
      else this.#byStart.set(start, [v])
    }
  }

  static of(root: unknown, registry: PluginRegistry, values: Iterable<string> = []): SecretRedactor {
    return new SecretRedactor(secretSpots(root, registry), values)
  }

  /** The secret strings of the fields at or around `path` (the value a problem there is about). */
  ownAt(path: readonly PathSegment[]): string[] {
    const out: string[] = []
    const candidates = path.length >= 2 ? (this.#spots.get(entityKey(path)) ?? []) : this.#all
    for (const spot of candidates) {
      const n = Math.min(spot.path.length, path.length)
      let i = 0
      while (i < n && String(spot.path[i]) === String(path[i])) i++
      if (i === n) out.push(...secretStrings(spot))
    }
    return out
  }

  /**
   * A message without any secret of the document, nor anything shaped like a
   * JWT; `own` are the secrets of the field the message is about: no run of
   * 8 characters of them survives (a message may quote a part of its value).
   */
  message(text: string, own: readonly string[] = []): string {
    let out = text
    for (const s of own) if (s.length > 0) out = redactRuns(out, s)
    // One pass, looking up what starts at each position rather than searching for every secret.
    for (let i = 0; i + MIN_ECHO <= out.length; i++) {
      const found = this.#byStart.get(out.slice(i, i + MIN_ECHO))?.find((v) => out.startsWith(v, i))
      if (found === undefined) continue
      out = `${out.slice(0, i)}${REDACTED}${out.slice(i + found.length)}`
      i += REDACTED.length - 1
    }
    return out.replace(JWT_RE, REDACTED)
  }
}

const entityKey = (path: readonly PathSegment[]) => `${String(path[0])}\u0000${String(path[1])}`

/** An error about a loaded config (a plugin refusing its settings when compiled), without the config's secrets. */
export function redactForConfig(message: string, config: Config, registry: PluginRegistry): string {
  return SecretRedactor.of(
    config,
    registry,
    config.sources.map((s) => s.value),
  ).message(message)
}
