/**
 * Secrets in a declarative document, and the one redaction helper every output
 * uses: problems with a file (`gateway validate`, the reload log, /status
 * `last_error`) and the admin API's entities (/config, /plugins).
 *
 * A secret is: a credential (key-auth key, basic-auth password, jwt and
 * hmac-auth secrets), a private key, a health-check probe header, a plugin
 * field built with `referenceable()` or marked with `markSecret()` (Kong's
 * `encrypted`/`referenceable` fields), the value of a credential's entry in a
 * header or parameter list (`Authorization:...`, `apikey:...`), the user info
 * and credential parameters of a URL field, and any value that came from the
 * environment or a vault. Works on the file as written (nested) and on the
 * loaded config (flat) alike.
 */
import type * as z from 'zod'
import type { PluginRegistry } from '../plugins/registry.js'
import type { PathSegment } from './issues.js'
import type { Config, ConfigSource } from './model.js'
import { NESTED } from './normalize/tables.js'
import type { Collection } from './schema/context.js'
import { COLLECTIONS } from './schema/declarative.js'
import { secretMark, type SecretKind } from './schema/typedefs.js'
import { isReference } from './vault.js'

export const REDACTED = '<redacted>'

/** Header, query and field names that carry a credential (Authorization, apikey, X-Api-Key, access_token, ...). */
const CREDENTIAL_NAME = /auth|cookie|key|token|secret|passw|session|credential|signature|^sig$/i

/** Plugin config fields whose name says secret (also for plugins whose schema is unknown here: custom plugin sets). */
const SECRET_FIELD_NAME = /password|secret|token|key$/i

/** Shorter secrets are only redacted where they are the value a message is about: elsewhere they would eat ordinary words. */
const MIN_ECHO = 4

/** A run this long of a message about a secret field, found in that field's value, is redacted. */
const WINDOW = 8

/** Anything shaped like a JWT (header and payload are base64url JSON objects): redacted wherever a message echoes it. */
const JWT_RE = /eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g

const ANY = '*'
type Tree = SecretKind | { readonly [key: string]: Tree }

const ENTITY_SECRETS: Partial<Record<Collection, Tree>> = {
  keyauth_credentials: { key: 'secret' },
  basicauth_credentials: { password: 'secret' },
  jwt_secrets: { secret: 'secret' },
  hmacauth_credentials: { secret: 'secret' },
  certificates: { key: 'secret', key_alt: 'secret' },
  // Probe headers often carry credentials: every value is hidden.
  upstreams: { healthchecks: { active: { headers: { [ANY]: { [ANY]: 'secret' } } } } },
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

// ---------------------------------------------------------------- where the secrets are

function merge(a: Tree | undefined, b: Tree | undefined): Tree | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  if (typeof a === 'string') return a
  if (typeof b === 'string') return b
  const out: Record<string, Tree> = { ...a }
  for (const [k, v] of Object.entries(b)) out[k] = merge(out[k], v)!
  return out
}

/** The secret fields of a zod schema, from the marks set by `referenceable()` and `markSecret()`. */
function treeOf(schema: z.ZodType, depth = 0): Tree | undefined {
  if (depth > 40) return undefined
  const mark = secretMark(schema)
  if (mark) return mark
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string }
  const sub = (s: unknown) => treeOf(s as z.ZodType, depth + 1)
  const each = (t: Tree | undefined): Tree | undefined => (t === undefined ? undefined : { [ANY]: t })
  switch (def.type) {
    case 'object': {
      const out: Record<string, Tree> = {}
      for (const [k, v] of Object.entries(def.shape as Record<string, z.ZodType>)) {
        const t = sub(v)
        if (t !== undefined) out[k] = t
      }
      return Object.keys(out).length > 0 ? out : undefined
    }
    case 'array':
      return each(sub(def.element))
    case 'record':
      return each(sub(def.valueType))
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return sub(def.innerType)
    case 'pipe':
      return merge(sub(def.in), sub(def.out))
    case 'union':
      return (def.options as z.ZodType[]).map(sub).reduce<Tree | undefined>(merge, undefined)
    case 'intersection':
      return merge(sub(def.left), sub(def.right))
    case 'lazy':
      return sub((def.getter as () => z.ZodType)())
    default:
      return undefined
  }
}

const pluginTrees = new WeakMap<object, Tree | null>()

function pluginTree(entity: Record<string, unknown>, registry: PluginRegistry): Tree | undefined {
  const def = typeof entity.name === 'string' ? registry.get(entity.name) : undefined
  if (!def) return undefined
  let tree = pluginTrees.get(def.config)
  if (tree === undefined) pluginTrees.set(def.config, (tree = treeOf(def.config) ?? null))
  return tree === null ? undefined : { config: tree }
}

export interface SecretSpot {
  readonly path: readonly PathSegment[]
  readonly kind: SecretKind
  readonly value: unknown
}

/** Every secret field of a document (as written, nested, or loaded, flat), depth first. */
export function secretSpots(root: unknown, registry: PluginRegistry): SecretSpot[] {
  const spots: SecretSpot[] = []
  if (!isRecord(root)) return spots
  const visit = (tree: Tree, value: unknown, path: PathSegment[]): void => {
    if (value === undefined || value === null) return
    if (typeof tree === 'string') {
      spots.push({ path, kind: tree, value })
      return
    }
    const any = tree[ANY]
    if (Array.isArray(value)) {
      if (any) value.forEach((v, i) => visit(any, v, [...path, i]))
      return
    }
    if (!isRecord(value)) return
    for (const [k, sub] of Object.entries(tree)) {
      if (k === ANY) for (const [key, v] of Object.entries(value)) visit(sub, v, [...path, key])
      else if (Object.hasOwn(value, k)) visit(sub, value[k], [...path, k])
    }
  }
  const byName = (value: unknown, path: PathSegment[]): void => {
    if (Array.isArray(value)) value.forEach((v, i) => byName(v, [...path, i]))
    else if (isRecord(value))
      for (const [k, v] of Object.entries(value)) {
        // Booleans are flags (`secret_is_base64`), never secrets.
        if (SECRET_FIELD_NAME.test(k) && v !== null && v !== undefined && typeof v !== 'boolean') spots.push({ path: [...path, k], kind: 'secret', value: v })
        else byName(v, [...path, k])
      }
  }
  const entity = (collection: Collection, e: unknown, path: PathSegment[]): void => {
    if (!isRecord(e)) return
    if (collection === 'plugins') {
      // The schema's marks, and (also for plugins this registry does not know) fields named like secrets.
      const tree = pluginTree(e, registry)
      if (tree) visit(tree, e, path)
      byName(e.config, [...path, 'config'])
    } else {
      const tree = ENTITY_SECRETS[collection]
      if (tree) visit(tree, e, path)
    }
    for (const child of Object.keys(NESTED[collection] ?? {}) as Collection[]) {
      const items = e[child]
      if (Array.isArray(items)) items.forEach((item, i) => entity(child, item, [...path, child, i]))
    }
  }
  for (const collection of COLLECTIONS) {
    const items = root[collection]
    if (Array.isArray(items)) items.forEach((item, i) => entity(collection, item, [collection, i]))
  }
  return spots
}

function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v)
  else if (typeof v === 'number') out.push(String(v))
  else if (Array.isArray(v)) for (const x of v) strings(x, out)
  else if (isRecord(v)) for (const x of Object.values(v)) strings(x, out)
  return out
}

const URL_RE = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)(?:([^@/?#]*)@)?([^?#]*)(?:\?([^#]*))?(#.*)?$/s

/** `name:value` → [name, value] (Kong's split: extra colons after the name are skipped). */
function pair(entry: string): [string, string] | undefined {
  const m = /^([^:]+):*([\s\S]*)$/.exec(entry)
  return m ? [m[1]!.trim(), m[2]!] : undefined
}

/** The strings of a spot that must never be printed (a vault reference is not a secret: what it names is). */
export function secretStrings(spot: SecretSpot): string[] {
  return spotStrings(spot).filter((s) => !isReference(s))
}

function spotStrings(spot: SecretSpot): string[] {
  const v = spot.value
  switch (spot.kind) {
    case 'secret':
      return strings(v)
    case 'url': {
      const m = typeof v === 'string' ? URL_RE.exec(v) : null
      if (!m) return []
      const out: string[] = []
      if (m[2]) out.push(m[2], ...m[2].split(':').slice(1))
      for (const part of (m[4] ?? '').split('&')) {
        const [name = '', value = ''] = part.split('=')
        if (value && CREDENTIAL_NAME.test(name)) out.push(value)
      }
      return out.flatMap((s) => [s, safeDecode(s)])
    }
    case 'pairs': {
      const p = typeof v === 'string' ? pair(v) : undefined
      return p && CREDENTIAL_NAME.test(p[0]) && p[1].trim() !== '' ? [p[1].trim()] : []
    }
    case 'named':
      return isRecord(v) ? Object.entries(v).flatMap(([k, x]) => (CREDENTIAL_NAME.test(k) ? strings(x) : [])) : []
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

// ---------------------------------------------------------------- messages

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

// ---------------------------------------------------------------- the admin API

/** `scheme://user:pass@host/p?token=x` → `scheme://<redacted>@host/p?token=<redacted>`. */
function redactUrl(v: string): string {
  const m = URL_RE.exec(v)
  if (!m) return REDACTED
  const query = m[4]
    ?.split('&')
    .map((part) => {
      const eq = part.indexOf('=')
      return eq > 0 && CREDENTIAL_NAME.test(part.slice(0, eq)) ? `${part.slice(0, eq + 1)}${REDACTED}` : part
    })
    .join('&')
  return `${m[1]}${m[2] !== undefined ? `${REDACTED}@` : ''}${m[3]}${query !== undefined ? `?${query}` : ''}${m[5] ?? ''}`
}

function setAt(root: unknown, path: readonly PathSegment[], value: unknown): void {
  let node = root as Record<string | number, unknown>
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>
  node[path[path.length - 1]!] = value
}

/**
 * A copy of `doc` (a config, or `{ plugins: [...] }` and the like) fit to show:
 * every value from the environment or a vault shown as the file wrote it (the
 * reference, the `${{ env }}` template), never as itself; every other secret
 * `<redacted>` (URLs keep all but their user info and credential parameters;
 * lists and maps of headers all but their credentials' values).
 */
export function redactForDisplay<T>(doc: T, registry: PluginRegistry, sources: readonly ConfigSource[]): T {
  const copy = structuredClone(doc) as T
  const written = new Map(sources.map((s) => [s.value, s.written]))
  const shownAs = new Set(written.values())
  const outside = [...written.keys()].filter((v) => v.length >= MIN_ECHO).sort((a, b) => b.length - a.length)
  const show = (v: string): string => {
    const w = written.get(v)
    if (w !== undefined) return w
    if (shownAs.has(v)) return v
    let out = v
    for (const s of outside) if (out.includes(s)) out = out.split(s).join(REDACTED)
    return out
  }
  const spotValue = (spot: SecretSpot): unknown => {
    const v = spot.value
    if (typeof v === 'string' && written.has(v)) return written.get(v)
    if (typeof v === 'string' && isReference(v)) return v
    switch (spot.kind) {
      case 'secret':
        return Array.isArray(v) ? v.map(() => REDACTED) : REDACTED
      case 'url':
        return typeof v === 'string' ? redactUrl(show(v)) : REDACTED
      case 'pairs': {
        const p = typeof v === 'string' ? pair(v) : undefined
        return p && CREDENTIAL_NAME.test(p[0]) ? `${p[0]}:${REDACTED}` : v
      }
      case 'named':
        return isRecord(v)
          ? Object.fromEntries(
              Object.entries(v).map(([k, x]) => [k, CREDENTIAL_NAME.test(k) ? (typeof x === 'string' && written.has(x) ? written.get(x) : REDACTED) : x]),
            )
          : REDACTED
    }
  }
  for (const spot of secretSpots(copy, registry)) setAt(copy, spot.path, spotValue(spot))
  // Then every string: a value from outside the file, whole or inside another string (what
  // the spots became is left as it is: `<redacted>`, a reference, a template).
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return show(node)
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) node[i] = walk(node[i])
    } else if (isRecord(node)) {
      for (const k of Object.keys(node)) node[k] = walk(node[k])
    }
    return node
  }
  return walk(copy) as T
}
