/**
 * Consumers and credentials indexed once per config, so an auth plugin's
 * lookup is a map read, not a scan. API keys are indexed by their SHA-256: the
 * map compares digests, never the secret itself, and the match is confirmed
 * with a constant-time comparison, so response timing says nothing about how
 * much of a guessed key was right.
 */
import { createHash } from 'node:crypto'
import type { Acl, Config, Consumer } from '../config/model.js'
import { safeEqual } from '../plugins/auth.js'
import type { ConsumerIndex } from '../plugins/types.js'

const digest = (s: string) => createHash('sha256').update(s).digest('base64')

function byKey<T, K>(items: readonly T[], key: (t: T) => K | undefined): Map<K, T> {
  const m = new Map<K, T>()
  for (const t of items) {
    const k = key(t)
    if (k !== undefined && !m.has(k)) m.set(k, t)
  }
  return m
}

export function indexConsumers(config: Config): ConsumerIndex {
  const consumers = byKey(config.consumers, (c) => c.id)
  const usernames = byKey(config.consumers, (c) => c.username)
  const keyauth = byKey(config.keyauth_credentials, (c) => digest(c.key))
  const basicauth = byKey(config.basicauth_credentials, (c) => c.username)
  const jwt = byKey(config.jwt_secrets, (c) => c.key)
  const hmacauth = byKey(config.hmacauth_credentials, (c) => c.username)
  const acls = new Map<string, Acl[]>()
  for (const a of config.acls) {
    let list = acls.get(a.consumer)
    if (!list) acls.set(a.consumer, (list = []))
    list.push(a)
  }
  const groups = new Map<string, readonly string[]>()
  for (const [id, list] of acls) groups.set(id, Object.freeze(list.map((a) => a.group)))
  const NONE: readonly never[] = Object.freeze([])
  return {
    byId: (id) => consumers.get(id),
    byIdOrUsername: (v): Consumer | undefined => consumers.get(v) ?? usernames.get(v),
    keyauth: (k) => {
      const c = keyauth.get(digest(k))
      return c && safeEqual(c.key, k) ? c : undefined
    },
    basicauth: (u) => basicauth.get(u),
    jwt: (k) => jwt.get(k),
    hmacauth: (u) => hmacauth.get(u),
    groups: (id) => groups.get(id) ?? NONE,
    acls: (id) => acls.get(id) ?? NONE,
  }
}
