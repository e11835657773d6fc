/**
 * Obtaining a certificate, as Kong's acme client.lua does it with
 * lua-resty-acme: a backoff key after a failure and a lock while one order
 * runs (both in the storage, so nodes sharing a Redis do not order twice); the
 * account key kept in the storage under Kong's name for it; an order answered
 * through HTTP-01 (the key authorization stored as `<token>#http-01`, which
 * the access phase serves); the certificate and its key stored as Kong's
 * `{"key","cert"}` JSON under `kong_acme:cert_key:<host>`, and a renewal
 * record under `kong_acme:renew_config:<host>`.
 */
import { generateKeyPair } from 'node:crypto'
import { Agent } from 'node:https'
import { promisify } from 'node:util'
import * as acme from 'acme-client'
import type { PluginLog } from '../types.js'
import { RESERVED_WORDS, type AcmeConfig } from './schema.js'
import type { AcmeStorage } from './storage.js'

const generate = promisify(generateKeyPair)

const DAY_S = 86_400
/** Kong's LOCK_TIMEOUT: an order that dies leaves its lock for this long. */
const LOCK_TIMEOUT_S = 30

/** Kong's account key name: `kong_acme:account:<api_uri>:<base64 email>`. */
export const accountName = (conf: AcmeConfig) => `kong_acme:account:${conf.api_uri}:${Buffer.from(conf.account_email).toString('base64')}`

/** lua-resty-acme's storage key of an HTTP-01 challenge. */
export const challengeKey = (token: string) => `${token}#http-01`

/** Kong's backward compatibility: a URI not ending in /directory gets it. */
function directoryUrl(uri: string): string {
  if (uri.endsWith('/directory')) return uri
  return `${uri.endsWith('/') ? uri : `${uri}/`}directory`
}

async function privateKey(type: 'rsa' | 'ecc', bits: number): Promise<string> {
  const { privateKey: key } = type === 'rsa' ? await generate('rsa', { modulusLength: bits }) : await generate('ec', { namedCurve: 'prime256v1' })
  return key.export({ type: 'pkcs8', format: 'pem' }) as string
}

export interface Orderer {
  /**
   * Kong's update_certificate: orders a certificate for `host` (reusing `key`
   * on renewal). Resolves whether it ran here; rejects with the reason it failed.
   */
  update(host: string, key?: string): Promise<boolean>
}

export interface OrdererOptions {
  conf: AcmeConfig
  storage: AcmeStorage
  log: PluginLog
  /** Certificate authorities the ACME client trusts (undefined: the system's). */
  trustedCa: readonly string[] | undefined
}

export function createOrderer(o: OrdererOptions): Orderer {
  const { conf, storage: st, log } = o
  // Only this client trusts them: acme-client's HTTP layer is shared by the process.
  const agent = o.trustedCa ? new Agent({ ca: [...o.trustedCa], keepAlive: false }) : undefined
  const directory = directoryUrl(conf.api_uri)

  /** Kong's create_account: the account key, made (RSA 4096) and stored on first use. */
  async function accountKey(): Promise<string> {
    const name = accountName(conf)
    const held = await st.get(name)
    if (held !== undefined) {
      const parsed = JSON.parse(held) as { key?: unknown }
      if (typeof parsed.key !== 'string') throw new Error('key found in account')
      return parsed.key
    }
    if (conf.account_key) throw new Error('account_key (a keys entity) is not supported by this gateway; remove it to use a generated key')
    const key = await privateKey('rsa', 4096)
    await st.set(name, JSON.stringify({ key }))
    return key
  }

  async function order(host: string, key: string | undefined): Promise<{ cert: string; key: string }> {
    const client = new acme.Client({
      directoryUrl: directory,
      accountKey: await accountKey(),
      ...(conf.eab_kid && conf.eab_hmac_key ? { externalAccountBinding: { kid: conf.eab_kid, hmacKey: conf.eab_hmac_key } } : {}),
      // Polls an order or a challenge from half a second on, up to 5 s apart.
      backoffAttempts: 10,
      backoffMin: 500,
      backoffMax: 5000,
    })
    if (agent) {
      const http = (client as unknown as { http: { request(url: string, method: string, opts?: Record<string, unknown>): Promise<unknown> } }).http
      const request = http.request.bind(http)
      http.request = (url, method, opts = {}) => request(url, method, { ...opts, httpsAgent: agent })
    }
    const certKey = key ?? (await privateKey(conf.cert_type, conf.rsa_key_size))
    const [, csr] = await acme.crypto.createCsr({ commonName: host, altNames: [host] }, certKey)
    const cert = await client.auto({
      csr,
      email: conf.account_email,
      // lua-resty-acme always agrees; the schema asks the user to for Let's Encrypt.
      termsOfServiceAgreed: true,
      challengePriority: ['http-01'],
      // The CA checks the challenge; a check from here would need the public DNS and port 80.
      skipChallengeVerification: true,
      challengeCreateFn: async (_authz, challenge, keyAuthorization) => st.set(challengeKey(challenge.token), keyAuthorization, 3600),
      challengeRemoveFn: async (_authz, challenge) => st.delete(challengeKey(challenge.token)),
      ...(conf.preferred_chain ? { preferredChain: conf.preferred_chain } : {}),
    })
    return { cert, key: certKey }
  }

  return {
    async update(host, key) {
      const backoffKey = `kong_acme:fail_backoff:${host}`
      const until = Number(await st.get(backoffKey).catch(() => undefined))
      if (Number.isFinite(until) && until > 0) {
        const wait = Math.round(until - Date.now() / 1000)
        throw new Error(
          `please try again in ${wait} seconds for host ${host} because of previous failure; this is configurable with config.fail_backoff_minutes`,
        )
      }
      const lockKey = `kong_acme:update_lock:${host}`
      if (!(await st.add(lockKey, 'placeholder', LOCK_TIMEOUT_S))) {
        log.info(`update_certificate for ${host} is already running`)
        return false
      }
      try {
        const got = await order(host, key)
        // As Kong without a database: the lock is left to expire.
        await st.set(RESERVED_WORDS.CERTKEY_KEY_PREFIX + host, JSON.stringify(got))
        return true
      } catch (err) {
        const waitS = conf.fail_backoff_minutes * 60
        await st
          .set(backoffKey, String(Math.floor(Date.now() / 1000 + waitS)), waitS)
          .catch((e: unknown) => log.warn(`failed to set fallback key for ${host}: ${String(e)}`))
        await st.delete(lockKey).catch((e: unknown) => log.warn(`failed to delete update_certificate lock for ${host}: ${String(e)}`))
        throw new Error(`could not create certificate for host: ${host} err: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
      }
    },
  }
}

/** Kong's store_renew_config: the host and a 90-day expiry, read by the renewal pass. */
export function storeRenewConfig(st: AcmeStorage, host: string): Promise<void> {
  return st.set(RESERVED_WORDS.RENEW_KEY_PREFIX + host, JSON.stringify({ host, expire_at: Math.floor(Date.now() / 1000) + DAY_S * 90 }))
}
