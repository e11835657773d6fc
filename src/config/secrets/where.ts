/**
 * Where a declarative document's secrets are: the knowledge half of redaction
 * (redact.ts and display.ts do the rewriting).
 *
 * A secret is: a credential (key-auth key, basic-auth password, jwt and
 * hmac-auth secrets), a private key (a certificate's; a key's JWK or PEM
 * private key), a health-check probe header, a plugin field built with
 * `referenceable()` or marked with `markSecret()` (Kong's
 * `encrypted`/`referenceable` fields), the value of a credential's entry in a
 * header or parameter list (`Authorization:...`, `apikey:...`), the user info
 * and credential parameters of a URL field. Works on the file as written
 * (nested) and on the loaded config (flat) alike. Values that came from the
 * environment or a vault are secrets too; the loader hands those over itself.
 */
import type * as z from 'zod'
import type { PluginRegistry } from '../../plugins/registry.js'
import type { PathSegment } from '../issues.js'
import { NESTED } from '../normalize/tables.js'
import type { Collection } from '../schema/context.js'
import { COLLECTIONS } from '../schema/declarative.js'
import { secretMark, type SecretKind } from '../schema/typedefs.js'
import { isReference } from '../vault.js'

/** Header, query and field names that carry a credential (Authorization, apikey, X-Api-Key, access_token, ...). */
export const CREDENTIAL_NAME = /auth|cookie|key|token|secret|passw|session|credential|signature|^sig$/i

/** Plugin config fields whose name says secret (also for plugins whose schema is unknown here: custom plugin sets). */
const SECRET_FIELD_NAME = /password|secret|token|key$/i

const ANY = '*'
type Tree = SecretKind | { readonly [key: string]: Tree }

const ENTITY_SECRETS: Partial<Record<Collection, Tree>> = {
  keyauth_credentials: { key: 'secret' },
  basicauth_credentials: { password: 'secret' },
  jwt_secrets: { secret: 'secret' },
  hmacauth_credentials: { secret: 'secret' },
  oauth2_credentials: { client_secret: 'secret' },
  oauth2_tokens: { access_token: 'secret', refresh_token: 'secret' },
  oauth2_authorization_codes: { code: 'secret' },
  certificates: { key: 'secret', key_alt: 'secret' },
  // Kong encrypts a key's whole JWK (it may hold the private key) and a PEM pair's private key.
  keys: { jwk: 'secret', pem: { private_key: 'secret' } },
  // Probe headers often carry credentials: every value is hidden.
  upstreams: { healthchecks: { active: { headers: { [ANY]: { [ANY]: 'secret' } } } } },
}

export const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

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

export const URL_RE = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)(?:([^@/?#]*)@)?([^?#]*)(?:\?([^#]*))?(#.*)?$/s

/** `name:value` → [name, value] (Kong's split: extra colons after the name are skipped). */
export function pair(entry: string): [string, string] | undefined {
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
