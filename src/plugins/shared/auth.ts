/**
 * What every authentication plugin shares (Kong §4.6): the `anonymous`
 * fallback ("logical OR" between auth plugins), the preflight skip, and a
 * constant-time comparison for secrets.
 */
import { hash, timingSafeEqual } from 'node:crypto'
import { anonymousMissing } from '../../errors.js'
import type { Exit, Kit, PluginEnv } from '../types.js'

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
