// Stand-ins for Google's Gemini API (AI Studio and Vertex) and its OAuth2 token endpoint, on loopback.
// The API checks what Google's checks: the operation's path, a key (x-goog-api-key or `key`) or a
// bearer token the token endpoint issued, and a GenerateContentRequest (non-empty `contents` of
// `parts`, known roles, no field Google does not know). The token endpoint checks the JWT-bearer
// grant: an RS256 assertion signed by a known service account key, for this endpoint, with the
// cloud-platform scope, valid for at most an hour.
import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto'
import { createServer as createHttp, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttps } from 'node:https'
import type { Test } from 'tap'
import { defaultCertificate } from '../../../src/server/default-certificate.js'
import { listenOnLoopback } from '../../helpers/listen.js'

export interface Seen {
  method: string
  path: string
  query: URLSearchParams
  headers: IncomingMessage['headers']
  json: any
}

type Listener = (req: IncomingMessage, res: ServerResponse, body: string) => void

async function serve(t: Test, tls: boolean, listener: Listener): Promise<string> {
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => listener(req, res, Buffer.concat(chunks).toString('utf8')))
  }
  const server = tls ? createHttps(await defaultCertificate(), handle) : createHttp(handle)
  const port = await listenOnLoopback(t, server)
  return `${tls ? 'https' : 'http'}://127.0.0.1:${port}`
}

const OPERATION =
  /^\/(?:v1beta\/models\/([^/:]+)|v1\/projects\/[^/]+\/locations\/[^/]+\/publishers\/google\/models\/([^/:]+)):(generateContent|streamGenerateContent)$/
const FIELDS = new Set([
  'contents',
  'systemInstruction',
  'system_instruction',
  'generationConfig',
  'generation_config',
  'tools',
  'tool_config',
  'toolConfig',
  'safetySettings',
  'cachedContent',
])
const ROLES = new Set(['user', 'model', 'function'])

/** What Google refuses in a GenerateContentRequest, in its words. */
function requestProblem(b: any): string | undefined {
  if (typeof b !== 'object' || b === null || Array.isArray(b)) return 'Invalid JSON payload received.'
  for (const k of Object.keys(b)) if (!FIELDS.has(k)) return `Invalid JSON payload received. Unknown name "${k}": Cannot find field.`
  if (!Array.isArray(b.contents) || b.contents.length === 0) return '* GenerateContentRequest.contents: contents is not specified'
  for (const c of b.contents) {
    if (c.role !== undefined && !ROLES.has(c.role)) return `Please use a valid role: user, model.`
    if (!Array.isArray(c.parts) || c.parts.length === 0) return '* GenerateContentRequest.contents.parts: contents.parts must not be empty.'
  }
  if (b.systemInstruction !== undefined && !Array.isArray(b.systemInstruction.parts)) return 'Invalid value at system_instruction'
  return undefined
}

const googleError = (code: number, status: string, message: string) => JSON.stringify({ error: { code, message, status } })

export interface Answer {
  status?: number
  /** The body, or the chunks of a streamed body. */
  body: string | string[]
}

export interface GoogleStandIn {
  url: string
  seen: Seen[]
  last(): Seen
}

/**
 * The API: `answer` gets the request once Google would accept it, and the
 * scenario (the path's first segment when a test puts one before Google's
 * own path through upstream_url, else `good`).
 */
export async function googleStandIn(
  t: Test,
  opts: { tls?: boolean; keys: Set<string>; tokens: Set<string> },
  answer: (s: Seen, scenario: string, model: string) => Answer,
): Promise<GoogleStandIn> {
  const seen: Seen[] = []
  const url = await serve(t, opts.tls ?? false, (req, res, body) => {
    const u = new URL(req.url ?? '/', 'http://x')
    let json: any
    try {
      json = JSON.parse(body)
    } catch {
      json = undefined
    }
    const s: Seen = { method: req.method ?? '', path: u.pathname, query: u.searchParams, headers: req.headers, json }
    seen.push(s)
    const send = (status: number, text: string | string[]) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'set-cookie': 'NID=google; Path=/' })
      if (typeof text === 'string') return res.end(text)
      for (const c of text) res.write(c)
      res.end()
    }
    const m = /^\/(?!v1beta\/|v1\/)([^/]+)(\/.*)$/.exec(u.pathname)
    const scenario = m ? m[1]! : 'good'
    const op = OPERATION.exec(m ? m[2]! : u.pathname)
    if (!op) return send(404, googleError(404, 'NOT_FOUND', 'Not Found'))
    if (req.method !== 'POST') return send(405, googleError(405, 'METHOD_NOT_ALLOWED', 'Method Not Allowed'))
    const key = req.headers['x-goog-api-key'] ?? u.searchParams.get('key') ?? undefined
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    if (key !== undefined) {
      if (typeof key !== 'string' || !opts.keys.has(key))
        return send(400, googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.'))
    } else if (bearer === undefined || !opts.tokens.has(bearer))
      return send(401, googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.'))
    const problem = requestProblem(json)
    if (problem) return send(400, googleError(400, 'INVALID_ARGUMENT', problem))
    const a = answer(s, scenario, op[1] ?? op[2]!)
    send(a.status ?? 200, a.body)
  })
  return { url, seen, last: () => seen[seen.length - 1]! }
}

export interface Account {
  email: string
  keyId: string
  publicKey: KeyObject
  /** Seconds the tokens issued to it last. */
  expiresIn: number
}

export interface TokenStandIn {
  /** The token endpoint's URL (a service account JSON's token_uri). */
  url: string
  /** Tokens issued, by account email, in order. */
  issued: Map<string, string[]>
  /** Every token endpoint and metadata server request. */
  requests: number
}

/** The OAuth2 token endpoint (POST /token) and the metadata server's token (GET /computeMetadata/...). */
export async function tokenStandIn(t: Test, accounts: Account[], tokens: Set<string>): Promise<TokenStandIn> {
  const state: TokenStandIn = { url: '', issued: new Map(), requests: 0 }
  const issue = (who: string, expiresIn: number) => {
    const token = `ya29.${randomBytes(24).toString('base64url')}`
    tokens.add(token)
    state.issued.set(who, [...(state.issued.get(who) ?? []), token])
    return JSON.stringify({ access_token: token, expires_in: expiresIn, token_type: 'Bearer' })
  }
  const refuse = (res: ServerResponse, description: string) => {
    res.writeHead(400, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error: 'invalid_grant', error_description: description }))
  }
  state.url = await serve(t, false, (req, res, body) => {
    state.requests++
    const u = new URL(req.url ?? '/', 'http://x')
    if (u.pathname === '/computeMetadata/v1/instance/service-accounts/default/token') {
      if (req.headers['metadata-flavor'] !== 'Google') {
        res.writeHead(403)
        return res.end('Missing Metadata-Flavor:Google header.')
      }
      res.writeHead(200, { 'content-type': 'application/json' })
      return res.end(issue('metadata', 3599))
    }
    if (u.pathname !== '/token' || req.method !== 'POST') {
      res.writeHead(404)
      return res.end()
    }
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return refuse(res, 'Bad Request')
    const form = new URLSearchParams(body)
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return refuse(res, 'Invalid grant_type')
    const [h, c, sig] = (form.get('assertion') ?? '').split('.')
    let header: any
    let claims: any
    try {
      header = JSON.parse(Buffer.from(h ?? '', 'base64url').toString('utf8'))
      claims = JSON.parse(Buffer.from(c ?? '', 'base64url').toString('utf8'))
    } catch {
      return refuse(res, 'Invalid JWT')
    }
    const account = accounts.find((a) => a.keyId === header.kid && a.email === claims.iss)
    if (header.alg !== 'RS256' || !account) return refuse(res, 'Invalid JWT Signature.')
    if (!verify('RSA-SHA256', Buffer.from(`${h}.${c}`), account.publicKey, Buffer.from(sig ?? '', 'base64url'))) return refuse(res, 'Invalid JWT Signature.')
    const now = Date.now() / 1000
    if (claims.aud !== `${state.url}/token`) return refuse(res, 'Invalid JWT: Token must be intended for this endpoint.')
    if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number' || claims.exp - claims.iat > 3600 || Math.abs(claims.iat - now) > 300)
      return refuse(res, 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.')
    if (
      !String(claims.scope ?? '')
        .split(' ')
        .includes('https://www.googleapis.com/auth/cloud-platform')
    )
      return refuse(res, 'Invalid OAuth scope.')
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(issue(account.email, account.expiresIn))
  })
  return state
}

/** A service account's key pair and JSON, as the IAM console gives it, with its token_uri on the stand-in. */
export function serviceAccount(email: string, keyPair: { privateKey: KeyObject }, tokenUri: string, expiresIn = 3599): { json: string; account: Account } {
  const keyId = randomBytes(20).toString('hex')
  const json = JSON.stringify({
    type: 'service_account',
    project_id: 'kong-gemini',
    private_key_id: keyId,
    private_key: keyPair.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    client_email: email,
    client_id: '100000000000000000000',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: tokenUri,
  })
  return { json, account: { email, keyId, publicKey: createPublicKey(keyPair.privateKey), expiresIn } }
}
