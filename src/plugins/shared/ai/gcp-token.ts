/**
 * GCP access tokens for the AI plugins (what lua-resty-gcp gives Kong's gemini
 * driver): a service account's OAuth2 token from the JWT-bearer grant (a JWT
 * signed RS256 with the account's key, posted to its `token_uri`), or, with
 * no account, the metadata server's token for the machine's own identity.
 * Tokens are kept per node until shortly before they expire, one fetch at a
 * time per account; neither the key, the assertion nor the token is logged or
 * put in an error.
 */
import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import { Agent, request } from 'undici'
import { nodeSlot, type NodeView } from '../../types.js'

type Result<T> = { ok: T } | { error: string }

const SCOPE = 'https://www.googleapis.com/auth/cloud-platform'
// lua-resty-gcp's token endpoint, for an account JSON without token_uri.
const DEFAULT_TOKEN_URI = 'https://www.googleapis.com/oauth2/v4/token'
// lua-resty-gcp's EXPIRY_WINDOW: a token is renewed this long before it expires.
const EXPIRY_WINDOW_S = 15
const JWT_LIFETIME_S = 3600
const TIMEOUT_MS = 10_000
// A token answer is a few hundred bytes; past this it is not read.
const MAX_ANSWER = 64 * 1024

interface ServiceAccount {
  email: string
  key: KeyObject
  keyId: string
  tokenUri: string
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url')

/** The account JSON's fields the grant needs; the reason it is unusable never quotes it. */
export function parseServiceAccount(json: string): Result<ServiceAccount> {
  let sa: unknown
  try {
    sa = JSON.parse(json)
  } catch {
    return { error: 'the service account is not JSON' }
  }
  if (typeof sa !== 'object' || sa === null) return { error: 'the service account is not a JSON object' }
  const { client_email, private_key, private_key_id, token_uri } = sa as Record<string, unknown>
  if (typeof client_email !== 'string' || typeof private_key !== 'string' || typeof private_key_id !== 'string')
    return { error: 'the service account lacks client_email, private_key or private_key_id' }
  let key: KeyObject
  try {
    key = createPrivateKey(private_key)
  } catch {
    return { error: "the service account's private_key is not a PEM private key" }
  }
  if (key.asymmetricKeyType !== 'rsa') return { error: "the service account's private_key is not an RSA key" }
  return { ok: { email: client_email, key, keyId: private_key_id, tokenUri: typeof token_uri === 'string' ? token_uri : DEFAULT_TOKEN_URI } }
}

/** The JWT-bearer assertion: lua-resty-gcp's claims, valid for an hour. */
export function assertion(sa: ServiceAccount, nowS: number): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: sa.keyId }))
  const claims = b64url(JSON.stringify({ iss: sa.email, sub: sa.email, aud: sa.tokenUri, iat: nowS, exp: nowS + JWT_LIFETIME_S, scope: SCOPE }))
  const signature = sign('RSA-SHA256', Buffer.from(`${header}.${claims}`), sa.key)
  return `${header}.${claims}.${b64url(signature)}`
}

interface Entry {
  token?: string
  /** Date.now() past which the token is renewed. */
  renewAt: number
  pending?: Promise<Result<string>> | undefined
}

interface Tokens {
  agent: Agent
  entries: LRUCache<string, Entry>
}

/** The node's token cache (kept across reloads: a reload does not fetch new tokens) and its HTTP client. */
export const GCP_TOKENS = nodeSlot<Tokens>(
  'shared:gcp-tokens',
  () => ({ agent: new Agent({ connections: 4 }), entries: new LRUCache<string, Entry>({ max: 256 }) }),
  async (c) => {
    c.entries.clear()
    await c.agent.close()
  },
)

/** A token answer: `access_token` and `expires_in` (seconds), as Google's token endpoint and metadata server give them. */
async function readToken(res: Awaited<ReturnType<typeof request>>): Promise<Result<{ token: string; expiresIn: number }>> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const c of res.body as AsyncIterable<Buffer>) {
    size += c.length
    if (size > MAX_ANSWER) {
      res.body.destroy()
      return { error: 'the token answer is too large' }
    }
    chunks.push(c)
  }
  let t: Record<string, unknown> | undefined
  try {
    const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    t = typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined
  } catch {
    t = undefined
  }
  if (res.statusCode < 200 || res.statusCode > 299) {
    // Google's OAuth error code (invalid_grant, ...) says why without saying anything secret.
    const code = typeof t?.error === 'string' && /^[\w.-]{1,64}$/.test(t.error) ? `: ${t.error}` : ''
    return { error: `the token endpoint answered ${res.statusCode}${code}` }
  }
  const expiresIn = Number(t?.expires_in)
  if (typeof t?.access_token !== 'string' || t.access_token === '' || !Number.isFinite(expiresIn))
    return { error: 'the token answer has no access_token or expires_in' }
  return { ok: { token: t.access_token, expiresIn } }
}

export interface TokenSource {
  /** A valid access token, fetched when none is cached or it is about to expire. */
  token(): Promise<Result<string>>
}

/**
 * The token source for a service account JSON (the configured one, else
 * GCP_SERVICE_ACCOUNT); without one, the metadata server of the machine
 * (GCE_METADATA_HOST, as Google's client libraries read it, else
 * metadata.google.internal). A JSON that cannot be used fails every request.
 */
export function gcpTokenSource(json: string | undefined, node: NodeView, env: NodeJS.ProcessEnv = process.env): TokenSource {
  let fetchToken: (tokens: Tokens) => Promise<Result<{ token: string; expiresIn: number }>>
  let cacheKey: string
  if (json !== undefined) {
    const sa = parseServiceAccount(json)
    if ('error' in sa) {
      const failed = { error: sa.error }
      return { token: async () => failed }
    }
    cacheKey = `sa:${createHash('sha256').update(json).digest('hex')}`
    fetchToken = async (tokens) => {
      const res = await request(sa.ok.tokenUri, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({
          grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          assertion: assertion(sa.ok, Math.floor(Date.now() / 1000)),
        }).toString(),
        dispatcher: tokens.agent,
        headersTimeout: TIMEOUT_MS,
        bodyTimeout: TIMEOUT_MS,
      })
      return readToken(res)
    }
  } else {
    const host = env.GCE_METADATA_HOST || 'metadata.google.internal'
    cacheKey = `metadata:${host}`
    fetchToken = async (tokens) => {
      const res = await request(`http://${host}/computeMetadata/v1/instance/service-accounts/default/token`, {
        headers: { 'metadata-flavor': 'Google' },
        dispatcher: tokens.agent,
        headersTimeout: TIMEOUT_MS,
        bodyTimeout: TIMEOUT_MS,
      })
      return readToken(res)
    }
  }
  return {
    token() {
      const tokens = node.slot(GCP_TOKENS)
      let entry = tokens.entries.get(cacheKey)
      if (entry?.token !== undefined && Date.now() < entry.renewAt) return Promise.resolve({ ok: entry.token })
      if (entry?.pending) return entry.pending
      entry ??= { renewAt: 0 }
      tokens.entries.set(cacheKey, entry)
      const e = entry
      e.pending = (async (): Promise<Result<string>> => {
        try {
          const got = await fetchToken(tokens)
          if ('error' in got) return got
          const window = got.ok.expiresIn > EXPIRY_WINDOW_S ? EXPIRY_WINDOW_S : 0
          e.token = got.ok.token
          e.renewAt = Date.now() + (got.ok.expiresIn - window) * 1000
          return { ok: got.ok.token }
        } catch (err) {
          return { error: `the token request failed: ${(err as Error).message}` }
        } finally {
          e.pending = undefined
        }
      })()
      return e.pending
    },
  }
}
