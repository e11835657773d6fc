/**
 * Kong's `{vault://<vault>/<resource>[/<key>]}` references, resolved once when a
 * file is loaded. Only the `env` vault exists here (as in Kong OSS); a vault
 * entity may give it another prefix and an environment-variable prefix.
 *
 * Resolution happens inside zod transforms of referenceable fields. zod has no
 * per-parse context, so the loader installs a resolver for the duration of one
 * synchronous parse with `withResolver` and removes it after.
 */

export interface VaultEntity {
  prefix: string
  name: string
  config?: { prefix?: string | undefined; base64_decode?: boolean | undefined } | undefined
}

export type Resolution = { ok: true; value: string } | { ok: false; error: string }

export interface Resolver {
  resolve(ref: string): Resolution
  /** Every value resolved so far: these are secrets and must never be printed. */
  readonly secrets: Set<string>
  /** Each resolved value and the reference it came from: what the admin API shows instead. */
  readonly sources: Map<string, string>
}

const REF_RE = /^\{vault:\/\/.*\}$/s

export function isReference(v: unknown): v is string {
  return typeof v === 'string' && REF_RE.test(v)
}

interface ParsedRef {
  vault: string
  resource: string
  key?: string
  version?: number
}

export function parseReference(ref: string): ParsedRef | string {
  const body = ref.slice('{vault://'.length, -1)
  let rest = body
  let version: number | undefined
  const hash = rest.indexOf('#')
  if (hash !== -1) {
    const v = rest.slice(hash + 1)
    rest = rest.slice(0, hash)
    if (!/^\d+$/.test(v)) return `reference url has invalid version [${ref}]`
    version = Number(v)
  }
  const q = rest.indexOf('?')
  if (q !== -1) rest = rest.slice(0, q)
  const slash = rest.indexOf('/')
  const vault = slash === -1 ? rest : rest.slice(0, slash)
  if (vault === '') return `reference url is missing host [${ref}]`
  const path = slash === -1 ? '' : rest.slice(slash + 1)
  if (path === '') return `reference url has empty path [${ref}]`
  // A trailing '/' means the whole path is the resource; otherwise the last
  // segment of a multi-segment path is a key into a JSON secret.
  if (path.endsWith('/')) return { vault, resource: path.slice(0, -1), ...(version ? { version } : {}) }
  const parts = path.split('/')
  if (parts.length > 1) {
    const key = parts.pop()!
    return { vault, resource: parts.join('/'), key, ...(version ? { version } : {}) }
  }
  return { vault, resource: path, ...(version ? { version } : {}) }
}

/** A resolver over an environment and the file's vault entities. */
export function createResolver(env: NodeJS.ProcessEnv, vaults: readonly VaultEntity[] = []): Resolver {
  const secrets = new Set<string>()
  const sources = new Map<string, string>()
  const byPrefix = new Map(vaults.map((v) => [v.prefix, v]))
  return {
    secrets,
    sources,
    resolve(ref) {
      const parsed = parseReference(ref)
      if (typeof parsed === 'string') return { ok: false, error: parsed }
      let envPrefix = ''
      let base64 = false
      if (parsed.vault !== 'env') {
        const entity = byPrefix.get(parsed.vault)
        if (!entity) return { ok: false, error: `vault not found (${parsed.vault}) [${ref}]` }
        if (entity.name !== 'env') return { ok: false, error: `vault '${entity.name}' is not installed [${ref}]` }
        envPrefix = entity.config?.prefix ?? ''
        base64 = entity.config?.base64_decode ?? false
      }
      let name = (envPrefix + parsed.resource).toUpperCase().replaceAll('-', '_')
      if (parsed.version === 2) name += '_PREVIOUS'
      const raw = env[name]
      if (raw === undefined)
        return { ok: false, error: `could not get value from external vault (no value found (environment variable ${name} is not set)) [${ref}]` }
      let value = base64 ? Buffer.from(raw, 'base64').toString('utf8') : raw
      if (parsed.key !== undefined) {
        let json: unknown
        try {
          json = JSON.parse(value)
        } catch {
          return { ok: false, error: `could not decode JSON secret (environment variable ${name}) [${ref}]` }
        }
        const field = json !== null && typeof json === 'object' ? (json as Record<string, unknown>)[parsed.key] : undefined
        if (field === undefined || field === null) return { ok: false, error: `subfield ${parsed.key} not found in JSON secret [${ref}]` }
        value = String(field)
      }
      secrets.add(value)
      sources.set(value, ref)
      return { ok: true, value }
    },
  }
}

let active: Resolver | undefined

/** Runs `fn` (a synchronous parse) with `resolver` answering references. */
export function withResolver<T>(resolver: Resolver, fn: () => T): T {
  const previous = active
  active = resolver
  try {
    return fn()
  } finally {
    active = previous
  }
}

export function resolveReference(ref: string): Resolution {
  if (!active) return { ok: false, error: `vault references cannot be resolved here [${ref}]` }
  return active.resolve(ref)
}

/**
 * Whether `value` is what a reference resolved to in the parse in progress.
 * Kong validates a file with its references unresolved, so it never judges
 * what a reference holds beyond its field's type (keys.lua, typedefs.lua
 * validate_pem_keys): checks that mirror that ask here.
 */
export function resolvedInParse(value: string): boolean {
  return active?.sources.has(value) ?? false
}
