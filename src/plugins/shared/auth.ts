/**
 * What every authentication plugin shares (Kong §4.6): the `anonymous`
 * fallback ("logical OR" between auth plugins), the preflight skip, and a
 * constant-time comparison for secrets.
 */
import { hash, timingSafeEqual } from 'node:crypto'
import { anonymousMissing } from '../../errors.js'
import type { Consumer } from '../../config/model.js'
import type { ExplainOutcome, ExplainRequest, Exit, Kit, PluginEnv } from '../types.js'

export interface AuthGate {
  /** True when this plugin should not run: a preflight it skips, or OR-mode with a credential already set. */
  skip(kit: Kit): boolean
  /**
   * Authentication failed with `failure`: without `anonymous`, that is the
   * answer; with it, the anonymous consumer is attached and the request goes on
   * (500 when that consumer does not exist, as in Kong).
   */
  fail(kit: Kit, failure: Exit): Exit | undefined
  /** An auth plugin's access phase: skip() when it says so, else `authenticate`, falling back through fail(). */
  access(authenticate: (kit: Kit) => Exit | undefined): (kit: Kit) => Exit | undefined
  /** Attaches the credential's consumer (Kong's set_consumer); false when that consumer does not exist. */
  attach(kit: Kit, credential: { id: string; consumer: string }, identifier: string): boolean
}

export function authGate(env: PluginEnv, conf: { anonymous?: string | undefined; run_on_preflight?: boolean | undefined }): AuthGate {
  const anonymous = conf.anonymous
  const consumer = anonymous !== undefined ? env.consumers.byIdOrUsername(anonymous) : undefined
  const skipPreflight = conf.run_on_preflight === false
  const gate: AuthGate = {
    skip(kit) {
      if (skipPreflight && kit.request.method === 'OPTIONS') return true
      return anonymous !== undefined && kit.credential !== undefined
    },
    fail(kit, failure) {
      if (anonymous === undefined) return failure
      if (!consumer) {
        const missing = anonymousMissing(anonymous)
        env.log.error(missing.error)
        return missing
      }
      kit.authenticate(consumer, undefined, true)
      return undefined
    },
    access(authenticate) {
      return (kit) => {
        if (gate.skip(kit)) return undefined
        const failure = authenticate(kit)
        return failure && gate.fail(kit, failure)
      }
    },
    attach(kit, credential, identifier) {
      const owner = env.consumers.byId(credential.consumer)
      if (!owner) return false
      kit.authenticate(owner, { id: credential.id, identifier, consumer: owner.id })
      return true
    },
  }
  return gate
}

/**
 * Equality of two secrets in time that does not depend on where they differ.
 * Both sides are hashed first so that their lengths do not leak either.
 */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  return timingSafeEqual(hash('sha256', a, 'buffer'), hash('sha256', b, 'buffer'))
}

/** `WWW-Authenticate` value: `<scheme>` or `<scheme> realm="<realm>"`, plus extra params. */
export function challenge(scheme: string, realm: string | undefined, extra?: string): string {
  const params = [realm !== undefined ? `realm="${realm}"` : undefined, extra].filter((x) => x !== undefined)
  return params.length ? `${scheme} ${params.join(', ')}` : scheme
}

/**
 * What an auth plugin's explain hook found in the request: a credential's
 * consumer, a refusal, something only runtime can settle (a signature, a
 * password, a directory), or nothing at all (undefined).
 */
export type AuthFinding = { consumer: Consumer } | { refuse: Exit } | { unknown: string } | undefined

/**
 * An auth plugin's explain hook around its own finding, as authGate runs its
 * access phase: the preflight and logical-OR skips, `--consumer` when the
 * request carries no credential, the anonymous fallback on failure.
 */
export function explainAuth(
  conf: { anonymous?: string | undefined; run_on_preflight?: boolean | undefined },
  req: ExplainRequest,
  missing: Exit,
  find: () => AuthFinding,
): ExplainOutcome {
  if (conf.run_on_preflight === false && req.method === 'OPTIONS') return { skipped: true, note: 'a preflight: skipped (run_on_preflight is false)' }
  if (conf.anonymous !== undefined && req.credential) return { skipped: true, note: 'a credential is already authenticated (anonymous set: logical OR)' }
  const found = find()
  if (found && 'consumer' in found) return { identifies: { consumer: found.consumer, anonymous: false }, note: 'a declared credential matches' }
  if (found && 'unknown' in found) return { note: found.unknown }
  if (!found && req.assume) return { identifies: { consumer: req.assume, anonymous: false }, note: 'no credential in the request: --consumer assumed' }
  const failure = found?.refuse ?? missing
  if (conf.anonymous === undefined) return { answers: failure }
  const anonymous = req.consumers.byIdOrUsername(conf.anonymous)
  if (!anonymous) return { answers: anonymousMissing(conf.anonymous) }
  return { identifies: { consumer: anonymous, anonymous: true }, note: `authentication fails (${failure.status}): the anonymous consumer is used` }
}

/**
 * The groups another plugin authenticated (Kong's ngx.ctx.authenticated_groups),
 * read as acl and session read them. Kong accepts any table and reads its array
 * part: a Lua table may come as an object with keys 1..n, and an empty one
 * (which reaches JS as `{}`, not `[]`) is an empty list, not "no groups".
 */
export function authenticatedGroups(kit: Kit): string[] | undefined {
  const v = kit.shared.authenticated_groups
  if (Array.isArray(v)) return v.filter((g): g is string => typeof g === 'string')
  if (typeof v !== 'object' || v === null) return undefined
  const record = v as Record<string, unknown>
  const out: string[] = []
  for (let i = 1; i in record; i++) if (typeof record[i] === 'string') out.push(record[i] as string)
  return out
}
