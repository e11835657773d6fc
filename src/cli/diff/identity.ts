/**
 * Who an entity is, across two files: the key `gateway diff` matches it by
 * when no id ties it to the other file, and the label it is shown with.
 * Kong's and decK's identities: the name (endpoint key) when there is one,
 * else the natural key (a plugin: its name and scope; a target: its upstream
 * and address; a credential: its key or username and its consumer). A key
 * that is a secret is matched by its digest and never shown; a value the
 * loader generated is matched by its position under its parent.
 */
import { createHash, X509Certificate } from 'node:crypto'
import type { Collection } from '../../config/schema/context.js'
import { COLLECTIONS } from '../../config/schema/declarative.js'
import { canonical } from './canonical.js'
import { generatedKey, type Snapshot } from './snapshot.js'

export interface Identity {
  /** Unique within its collection and file. */
  readonly key: string
  readonly label: string
}

type Entity = Readonly<Record<string, unknown>>

const digest = (s: string) => createHash('sha256').update(s).digest('hex')
const str = (v: unknown) => (typeof v === 'string' ? v : undefined)
const list = (v: unknown) => (Array.isArray(v) && v.length > 0 ? v.join(',') : undefined)

function certName(pem: unknown): string {
  if (typeof pem !== 'string') return 'certificate'
  try {
    const x = new X509Certificate(pem)
    const cn = /CN=([^\n,]+)/.exec(x.subject)?.[1]
    return `${cn ?? x.subject.replaceAll('\n', ', ')} (sha256 ${x.fingerprint256.replaceAll(':', '').slice(0, 12).toLowerCase()})`
  } catch {
    return `sha256 ${digest(pem).slice(0, 12)}`
  }
}

/** Every entity's identity, in the order of the config's collections. */
export class Identities {
  readonly #byId = new Map<Collection, Map<string, Identity>>()
  readonly #lists = new Map<Collection, Identity[]>()

  constructor(private readonly snapshot: Snapshot) {
    // Kong's load order, parents first: a label may name the entities before it.
    for (const c of COLLECTIONS) {
      const seen = new Map<string, number>()
      const ordinal = new Map<string, number>()
      const ids = new Map<string, Identity>()
      const out = (snapshot.config[c] as readonly Entity[]).map((e, i) => {
        const raw = this.#identify(c, e, i, ordinal)
        // Two entities with one natural key (two unnamed routes with the same rules): told apart by order.
        const n = (seen.get(raw.key) ?? 0) + 1
        seen.set(raw.key, n)
        const id = n === 1 ? raw : { key: `${raw.key}\u0000#${n}`, label: `${raw.label} #${n}` }
        ids.set(e.id as string, id)
        return id
      })
      this.#byId.set(c, ids)
      this.#lists.set(c, out)
    }
  }

  of(collection: Collection, index: number): Identity {
    return this.#lists.get(collection)![index]!
  }

  /** The label of the entity of `collection` with this id (references hold ids). */
  ref(collection: Collection, id: unknown): string | undefined {
    if (typeof id !== 'string') return undefined
    return this.#byId.get(collection)?.get(id)?.label ?? id
  }

  #generated(c: Collection, i: number, field: string): boolean {
    return this.snapshot.generated.has(generatedKey(c, i, field))
  }

  /** `nth` of its parent: credentials whose key is a secret or generated are numbered under their consumer. */
  #nth(ordinal: Map<string, number>, parent: string): number {
    const n = (ordinal.get(parent) ?? 0) + 1
    ordinal.set(parent, n)
    return n
  }

  #identify(c: Collection, e: Entity, i: number, ordinal: Map<string, number>): Identity {
    const name = str(e.name)
    const consumer = () => this.ref('consumers', e.consumer) ?? '?'
    const secretKey = (field: string, parent: string, parentLabel: string): Identity => {
      const n = this.#nth(ordinal, parent)
      const v = e[field]
      const key = typeof v === 'string' && !this.#generated(c, i, field) ? `${parent}\u0000${digest(v)}` : `${parent}\u0000generated#${n}`
      return { key, label: `#${n} of ${parentLabel}` }
    }
    switch (c) {
      case 'services': {
        const url = `${String(e.protocol)}://${String(e.host)}:${String(e.port)}${str(e.path) ?? ''}`
        return name !== undefined ? { key: name, label: name } : { key: `url:${url}`, label: `(unnamed ${url})` }
      }
      case 'routes': {
        if (name !== undefined) return { key: name, label: name }
        const service = this.ref('services', e.service)
        const rules = ['methods', 'hosts', 'paths', 'snis', 'sources', 'destinations'].flatMap((f) => {
          const v = f === 'sources' || f === 'destinations' ? (e[f] === undefined ? undefined : canonical(e[f])) : list(e[f])
          return v === undefined ? [] : [`${f}=${v}`]
        })
        if (e.headers !== undefined) rules.push(`headers=${canonical(e.headers)}`)
        const label = `(unnamed ${rules.join(' ') || 'route'}${service ? ` of service ${service}` : ''})`
        return { key: `${service ?? ''}\u0000${list(e.protocols) ?? ''}\u0000${rules.join('\u0000')}`, label }
      }
      case 'consumers': {
        const username = str(e.username)
        return username !== undefined
          ? { key: username, label: username }
          : { key: `custom_id:${String(e.custom_id)}`, label: `(custom_id ${String(e.custom_id)})` }
      }
      case 'upstreams':
      case 'key_sets':
        return { key: String(e.name), label: String(e.name) }
      case 'snis':
        return { key: String(e.name), label: `${String(e.name)} (certificate ${this.ref('certificates', e.certificate) ?? '?'})` }
      case 'vaults':
        return { key: String(e.prefix), label: String(e.prefix) }
      case 'targets': {
        const upstream = this.ref('upstreams', e.upstream) ?? '?'
        return { key: `${upstream}\u0000${String(e.target)}`, label: `${String(e.target)} (upstream ${upstream})` }
      }
      case 'certificates':
        return { key: typeof e.cert === 'string' ? digest(e.cert) : String(e.id), label: certName(e.cert) }
      case 'ca_certificates':
        return { key: String(e.cert_digest), label: certName(e.cert) }
      case 'plugins': {
        const scope = [
          e.route !== undefined ? `route ${this.ref('routes', e.route) ?? '?'}` : undefined,
          e.service !== undefined ? `service ${this.ref('services', e.service) ?? '?'}` : undefined,
          e.consumer !== undefined ? `consumer ${consumer()}` : undefined,
        ].filter((s) => s !== undefined)
        const where = scope.length > 0 ? scope.join(', ') : 'global'
        return { key: `${String(e.name)}\u0000${where}`, label: `${String(e.name)} (${where})` }
      }
      case 'keyauth_credentials':
        return secretKey('key', `consumer ${consumer()}`, `consumer ${consumer()}`)
      case 'basicauth_credentials':
      case 'hmacauth_credentials':
        return { key: String(e.username), label: `${String(e.username)} (consumer ${consumer()})` }
      case 'jwt_secrets':
        if (this.#generated(c, i, 'key')) return secretKey('key', `consumer ${consumer()}`, `consumer ${consumer()}`)
        return { key: `${consumer()}\u0000${String(e.key)}`, label: `${String(e.key)} (consumer ${consumer()})` }
      case 'acls':
        return { key: `${consumer()}\u0000${String(e.group)}`, label: `${String(e.group)} (consumer ${consumer()})` }
      case 'oauth2_credentials':
        if (this.#generated(c, i, 'client_id')) return secretKey('client_id', `consumer ${consumer()}`, `consumer ${consumer()}`)
        return { key: String(e.client_id), label: `${String(e.client_id)} (consumer ${consumer()})` }
      case 'oauth2_tokens':
      case 'oauth2_authorization_codes': {
        const credential = this.ref('oauth2_credentials', e.credential) ?? '?'
        return secretKey(c === 'oauth2_tokens' ? 'access_token' : 'code', `credential ${credential}`, `oauth2 credential ${credential}`)
      }
      case 'keys': {
        const set = e.set !== undefined ? this.ref('key_sets', e.set) : undefined
        const kid = String(e.kid)
        return { key: `${set ?? ''}\u0000${kid}`, label: `${str(e.name) ?? kid}${set ? ` (key set ${set})` : ''}` }
      }
    }
  }
}
