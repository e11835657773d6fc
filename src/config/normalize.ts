/**
 * Validated entities → one flat set: nested children hoisted with their parent
 * reference filled in, ids derived as Kong derives them, references resolved to
 * ids, and the checks that need the whole file (uniqueness, dangling
 * references, duplicate credentials, plugin scopes and configs).
 */
import { createHash, randomBytes } from 'node:crypto'
import type { PluginRegistry } from '../plugins/registry.js'
import { MSG_ORDERING_CYCLE, orderAccess } from './ordering.js'
import type { PluginOrdering } from './model.js'
import { entityId, randomUUID } from './ids.js'
import { fromZod, kongErrorMap, type PathSegment, type RawIssue } from './issues.js'
import type { Collection } from './schema/context.js'
import { COLLECTIONS } from './schema/declarative.js'
import { certDigest } from './schema/tls.js'

type Entity = Record<string, unknown> & { id: string }

export interface Located {
  entity: Entity
  /** Where the entity is written in the file. */
  path: PathSegment[]
  /** The collection it was nested in, if any. */
  parent?: Collection | undefined
  /** The id was derived from the file, not written in it. */
  derived: boolean
}

/** Children that may be nested in a parent, and the field that points back at it. */
const NESTED: Partial<Record<Collection, Partial<Record<Collection, string>>>> = {
  services: { routes: 'service', plugins: 'service' },
  routes: { plugins: 'route' },
  consumers: {
    plugins: 'consumer',
    keyauth_credentials: 'consumer',
    basicauth_credentials: 'consumer',
    jwt_secrets: 'consumer',
    hmacauth_credentials: 'consumer',
    acls: 'consumer',
  },
  upstreams: { targets: 'upstream' },
  certificates: { snis: 'certificate' },
}

/** The field other entities use to name an entity (Kong's endpoint_key). */
const ENDPOINT_KEY: Partial<Record<Collection, string>> = {
  services: 'name',
  routes: 'name',
  consumers: 'username',
  upstreams: 'name',
  snis: 'name',
  vaults: 'prefix',
  plugins: 'instance_name',
  keyauth_credentials: 'key',
  basicauth_credentials: 'username',
  jwt_secrets: 'key',
  hmacauth_credentials: 'username',
}

/** Kong's cache_key fields; a deterministic id is built from them first. */
const CACHE_KEY: Partial<Record<Collection, readonly string[]>> = {
  plugins: ['name', 'route', 'service', 'consumer'],
  targets: ['upstream', 'target'],
  acls: ['consumer', 'group'],
  basicauth_credentials: ['username'],
  hmacauth_credentials: ['username'],
  vaults: ['prefix'],
}

/** Collections whose id Kong never derives (a cache-key field is generated, or there is no key). */
const RANDOM_ID = new Set<Collection>(['keyauth_credentials', 'jwt_secrets', 'certificates', 'ca_certificates'])

/** Collections whose derived id comes from a unique field: a collision is reported as that field's. */
const ID_FROM_UNIQUE_FIELD = new Set<Collection>([
  'services',
  'routes',
  'consumers',
  'upstreams',
  'snis',
  'vaults',
  'basicauth_credentials',
  'hmacauth_credentials',
])

/** Reference fields: field → referenced collection. */
const REFERENCES: Partial<Record<Collection, Record<string, Collection>>> = {
  routes: { service: 'services' },
  plugins: { route: 'routes', service: 'services', consumer: 'consumers' },
  targets: { upstream: 'upstreams' },
  snis: { certificate: 'certificates' },
  services: { client_certificate: 'certificates' },
  upstreams: { client_certificate: 'certificates' },
  keyauth_credentials: { consumer: 'consumers' },
  basicauth_credentials: { consumer: 'consumers' },
  jwt_secrets: { consumer: 'consumers' },
  hmacauth_credentials: { consumer: 'consumers' },
  acls: { consumer: 'consumers' },
}

/** Unique fields beyond the id, and whether the value is a secret. */
const UNIQUE: Partial<Record<Collection, readonly { field: string; secret?: boolean }[]>> = {
  services: [{ field: 'name' }],
  routes: [{ field: 'name' }],
  consumers: [{ field: 'username' }, { field: 'custom_id' }],
  plugins: [{ field: 'instance_name' }],
  upstreams: [{ field: 'name' }],
  snis: [{ field: 'name' }],
  vaults: [{ field: 'prefix' }],
  keyauth_credentials: [{ field: 'key', secret: true }],
  basicauth_credentials: [{ field: 'username' }],
  jwt_secrets: [{ field: 'key' }],
  hmacauth_credentials: [{ field: 'username' }],
  ca_certificates: [{ field: 'cert_digest' }],
}

/** How messages name one entity of a collection. */
export const SINGULAR: Record<Collection, string> = {
  services: 'service',
  routes: 'route',
  consumers: 'consumer',
  plugins: 'plugin',
  upstreams: 'upstream',
  targets: 'target',
  certificates: 'certificate',
  snis: 'sni',
  ca_certificates: 'ca_certificate',
  vaults: 'vault',
  keyauth_credentials: 'key-auth credential',
  basicauth_credentials: 'basic-auth credential',
  jwt_secrets: 'jwt credential',
  hmacauth_credentials: 'hmac-auth credential',
  acls: 'acl',
}

const META_KEYS = new Set(['_comment', '_ignore'])

function randomAlnum(n: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  const bytes = randomBytes(n)
  let s = ''
  for (let i = 0; i < n; i++) s += alphabet[bytes[i]! % alphabet.length]
  return s
}

export interface NormalizeResult {
  entities: Record<Collection, Located[]>
  issues: RawIssue[]
  warnings: RawIssue[]
}

export class Normalizer {
  private readonly out = Object.fromEntries(COLLECTIONS.map((c) => [c, [] as Located[]])) as Record<Collection, Located[]>
  private readonly issues: RawIssue[] = []
  private readonly warnings: RawIssue[] = []

  constructor(
    private readonly registry: PluginRegistry,
    private readonly transform: boolean,
  ) {}

  /** Adds a validated top-level entity (and everything nested in it). */
  add(collection: Collection, value: Record<string, unknown>, path: PathSegment[]): void {
    this.addEntity(collection, value, path)
  }

  private addEntity(
    collection: Collection,
    value: Record<string, unknown>,
    path: PathSegment[],
    parent?: { collection: Collection; fk: string; entity: Entity },
  ): void {
    const flat: Record<string, unknown> = {}
    const nested = NESTED[collection] ?? {}
    for (const [k, v] of Object.entries(value)) {
      if (META_KEYS.has(k) || k in nested || v === undefined) continue
      flat[k] = v
    }
    if (parent) {
      const given = flat[parent.fk]
      if (given !== undefined && !this.pointsAt(given, parent.collection, parent.entity)) {
        this.issues.push({
          path: [...path, parent.fk],
          message: `value must be null (this ${SINGULAR[collection]} is nested in a ${SINGULAR[parent.collection]})`,
        })
      }
      delete flat[parent.fk]
    }
    const derived = typeof flat.id !== 'string'
    const id = derived ? this.deriveId(collection, flat, parent?.fk, parent?.entity.id) : (flat.id as string)
    if (parent) flat[parent.fk] = parent.entity.id
    flat.id = id
    const entity = flat as Entity
    this.out[collection].push({ entity, path, parent: parent?.collection, derived })

    for (const [child, fk] of Object.entries(nested) as [Collection, string][]) {
      const items = value[child]
      if (!Array.isArray(items)) continue
      items.forEach((item, i) => {
        const childValue = collection === 'certificates' && typeof item === 'string' ? { name: item } : (item as Record<string, unknown>)
        this.addEntity(child, childValue, [...path, child, i], { collection, fk, entity })
      })
    }
  }

  private pointsAt(ref: unknown, collection: Collection, entity: Entity): boolean {
    const key = ENDPOINT_KEY[collection]
    const s =
      typeof ref === 'string'
        ? ref
        : ((ref as Record<string, unknown>).id ?? (ref as Record<string, unknown>).name ?? (ref as Record<string, unknown>).username)
    return s === entity.id || (key !== undefined && s === entity[key])
  }

  /** Kong's id derivation: cache key first, then the unique endpoint key, else random. */
  private deriveId(collection: Collection, e: Record<string, unknown>, parentFk?: string, parentId?: string): string {
    if (RANDOM_ID.has(collection)) return randomUUID()
    const cacheKey = CACHE_KEY[collection]
    if (cacheKey) {
      const parts = [collection, '*']
      for (const f of cacheKey) {
        const v = e[f]
        if (typeof v === 'string') parts.push(v)
        else if (v === undefined) parts.push(f === parentFk && parentId ? parentId : '')
        // A reference written as an object ({ id: ... }) is left out, as Kong does.
      }
      return entityId(collection, parts.join(':'))
    }
    const key = ENDPOINT_KEY[collection]
    const v = key ? e[key] : undefined
    return typeof v === 'string' ? entityId(collection, v) : randomUUID()
  }

  /** Runs the whole-file checks and returns the flat entities. */
  finish(): NormalizeResult {
    this.fillAutoFields()
    this.checkIds()
    const indexes = this.index()
    this.resolveReferences(indexes)
    this.checkUnique()
    this.checkPlugins()
    this.checkOrderingCycles()
    if (this.transform) this.hashPasswords()
    for (const { entity, path } of this.out.routes) {
      if (entity.path_handling === 'v1') {
        this.warnings.push({
          path: [...path, 'path_handling'],
          message: "path_handling 'v1' is ignored by the traditional_compatible router (as in Kong); v0 applies",
        })
      }
    }
    return { entities: this.out, issues: this.issues, warnings: this.warnings }
  }

  private fillAutoFields(): void {
    for (const { entity } of this.out.routes) {
      if (entity.strip_path === undefined) {
        const protocols = entity.protocols as string[]
        entity.strip_path = !protocols.some((p) => p === 'grpc' || p === 'grpcs')
      }
    }
    // Kong couples algorithm and hash_on: hashing implies consistent-hashing,
    // and least-connections or latency do not hash.
    for (const { entity } of this.out.upstreams) {
      if (entity.algorithm === 'least-connections' || entity.algorithm === 'latency') {
        entity.hash_on = 'none'
        entity.hash_fallback = 'none'
      } else if (entity.hash_on !== 'none') entity.algorithm = 'consistent-hashing'
      else if (entity.algorithm === 'consistent-hashing') entity.algorithm = 'round-robin'
    }
    for (const { entity } of this.out.keyauth_credentials) entity.key ??= randomAlnum(32)
    for (const { entity } of this.out.jwt_secrets) {
      entity.key ??= randomAlnum(32)
      entity.secret ??= randomAlnum(32)
    }
    for (const { entity } of this.out.hmacauth_credentials) entity.secret ??= randomAlnum(32)
    for (const { entity } of this.out.ca_certificates) {
      try {
        entity.cert_digest ??= certDigest(entity.cert as string)
      } catch {
        // The schema already reported the certificate as invalid.
      }
    }
  }

  private checkIds(): void {
    for (const collection of COLLECTIONS) {
      const seen = new Map<string, Located>()
      for (const located of this.out[collection]) {
        const first = seen.get(located.entity.id)
        if (first && first.derived && located.derived && ID_FROM_UNIQUE_FIELD.has(collection)) continue
        if (first) {
          const why = collection === 'plugins' ? ` (plugin '${String(located.entity.name)}' is configured twice on the same route, service and consumer)` : ''
          this.issues.push({
            path: located.path,
            message: `uniqueness violation: '${collection}' entity with primary key set to '${located.entity.id}' already declared${why}`,
          })
        } else seen.set(located.entity.id, located)
      }
    }
  }

  private index(): Map<Collection, { byKey: Map<string, Entity>; byId: Map<string, Entity> }> {
    const indexes = new Map<Collection, { byKey: Map<string, Entity>; byId: Map<string, Entity> }>()
    for (const collection of COLLECTIONS) {
      const key = ENDPOINT_KEY[collection]
      const byKey = new Map<string, Entity>()
      const byId = new Map<string, Entity>()
      for (const { entity } of this.out[collection]) {
        byId.set(entity.id, entity)
        const k = key ? entity[key] : undefined
        if (typeof k === 'string' && !byKey.has(k)) byKey.set(k, entity)
      }
      indexes.set(collection, { byKey, byId })
    }
    return indexes
  }

  private resolveReferences(indexes: Map<Collection, { byKey: Map<string, Entity>; byId: Map<string, Entity> }>): void {
    for (const collection of COLLECTIONS) {
      const refs = REFERENCES[collection]
      if (!refs) continue
      for (const { entity, path } of this.out[collection]) {
        for (const [field, target] of Object.entries(refs)) {
          const ref = entity[field]
          if (ref === undefined) continue
          const idx = indexes.get(target)!
          let found: Entity | undefined
          let shown: string
          if (typeof ref === 'string') {
            found = idx.byKey.get(ref) ?? idx.byId.get(ref)
            shown = ref
          } else {
            const o = ref as { id?: string; name?: string; username?: string }
            found = (o.id !== undefined ? idx.byId.get(o.id) : undefined) ?? idx.byKey.get(o.name ?? o.username ?? '')
            shown = JSON.stringify(ref)
          }
          if (found) entity[field] = found.id
          else this.issues.push({ path: [...path, field], message: `invalid reference '${field}: ${shown}' (no such entry in '${target}')` })
        }
      }
    }
    for (const { entity, path } of this.out.services) {
      const cas = entity.ca_certificates as string[] | undefined
      cas?.forEach((id, i) => {
        if (!indexes.get('ca_certificates')!.byId.has(id)) {
          this.issues.push({
            path: [...path, 'ca_certificates', i],
            message: `invalid reference 'ca_certificates: ${id}' (no such entry in 'ca_certificates')`,
          })
        }
      })
    }
  }

  private checkUnique(): void {
    for (const collection of COLLECTIONS) {
      for (const { field, secret } of UNIQUE[collection] ?? []) {
        const seen = new Map<unknown, Located>()
        for (const located of this.out[collection]) {
          const v = located.entity[field]
          if (v === undefined) continue
          const first = seen.get(v)
          if (!first) {
            seen.set(v, located)
            continue
          }
          const shown = secret ? '<redacted>' : String(v)
          const owner =
            secret && typeof first.entity.consumer === 'string'
              ? ` (the same key belongs to another credential, first declared at ${formatPathShort(first.path)})`
              : ''
          this.issues.push({
            path: [...located.path, field],
            message: `uniqueness violation: '${collection}' entity with ${field} set to '${shown}' already declared${owner}`,
          })
        }
      }
    }
  }

  private checkPlugins(): void {
    for (const { entity, path, parent } of this.out.plugins) {
      const name = entity.name as string
      const def = this.registry.get(name)
      if (!def) {
        this.issues.push({ path: [...path, 'name'], message: `plugin '${name}' is not available in this gateway` })
        continue
      }
      for (const scope of ['consumer', 'route', 'service'] as const) {
        if (entity[scope] !== undefined && !def.scopes[scope]) {
          const at = parent === `${scope}s` ? path : [...path, scope]
          this.issues.push({ path: at, message: `value must be null (plugin '${name}' cannot be scoped to a ${scope})` })
        }
      }
      const parsed = def.config.safeParse(entity.config ?? {}, { error: kongErrorMap })
      if (parsed.success) entity.config = parsed.data as Record<string, unknown>
      else this.issues.push(...fromZod(parsed.error.issues, [...path, 'config']))
      entity.protocols ??= [...def.protocols]
      const ordering = entity.ordering as { before?: { access?: string[] }; after?: { access?: string[] } } | undefined
      for (const side of ['before', 'after'] as const) {
        ordering?.[side]?.access?.forEach((other, i) => {
          if (!this.registry.has(other)) {
            this.issues.push({ path: [...path, 'ordering', side, 'access', i], message: `plugin '${other}' is not available in this gateway` })
          }
        })
      }
    }
  }

  /**
   * Dynamic ordering must give every route's chain a topological order. The
   * plugins that can meet on a route (global, its service's, its own, and
   * consumer-scoped ones that may apply) are checked together; each distinct
   * cycle is reported once, at the `ordering` of a plugin in it.
   */
  private checkOrderingCycles(): void {
    const plugins = this.out.plugins.filter(({ entity }) => entity.enabled !== false && this.registry.has(entity.name as string))
    if (!plugins.some(({ entity }) => entity.ordering !== undefined)) return
    const priority = (name: string) => this.registry.get(name)?.priority ?? 0
    const reported = new Set<string>()
    const checkChain = (members: Located[]) => {
      const byName = new Map<string, PluginOrdering[]>()
      for (const { entity } of members) {
        const list = byName.get(entity.name as string) ?? []
        list.push(entity.ordering as PluginOrdering)
        byName.set(entity.name as string, list)
      }
      const names = [...byName.keys()].sort((a, b) => priority(b) - priority(a) || (a < b ? 1 : a > b ? -1 : 0))
      const result = orderAccess(names, byName)
      if (result.ok) return
      const key = [...new Set(result.cycle)].sort().join(',')
      if (reported.has(key)) return
      reported.add(key)
      const at = members.find(({ entity }) => result.cycle.includes(entity.name as string) && entity.ordering !== undefined)!
      this.issues.push({ path: [...at.path, 'ordering'], message: `${MSG_ORDERING_CYCLE} (${result.cycle.join(' -> ')})` })
    }
    // Grouped so each route costs its own plugins, not a scan of all of them.
    const everywhere: Located[] = []
    const byService = new Map<unknown, Located[]>()
    const byRoute = new Map<unknown, Located[]>()
    for (const p of plugins) {
      const { route, service } = p.entity
      const [map, key] = route !== undefined ? [byRoute, route] : service !== undefined ? [byService, service] : [undefined, undefined]
      if (!map) everywhere.push(p)
      else map.set(key, [...(map.get(key) ?? []), p])
    }
    checkChain(everywhere.filter(({ entity }) => entity.consumer === undefined))
    for (const { entity: r } of this.out.routes) {
      const own = (byRoute.get(r.id) ?? []).filter(({ entity }) => entity.service === undefined || entity.service === r.service)
      const members = [...everywhere, ...(byService.get(r.service) ?? []), ...own]
      if (members.some(({ entity }) => entity.ordering !== undefined)) checkChain(members)
    }
  }

  /** Kong stores basic-auth passwords as sha1(password .. consumer_id) when `_transform` is on. */
  private hashPasswords(): void {
    for (const { entity } of this.out.basicauth_credentials) {
      entity.password = createHash('sha1')
        .update(`${String(entity.password)}${String(entity.consumer)}`)
        .digest('hex')
    }
  }
}

function formatPathShort(path: readonly PathSegment[]): string {
  return path
    .map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`))
    .join('')
    .replace(/^\./, '')
}
