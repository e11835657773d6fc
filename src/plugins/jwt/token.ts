/**
 * Parsing a compact JWS the way Kong's jwt_parser does: the same lenient
 * base64url decoding, the same order of checks and the same error words
 * (they reach the client as "Bad token; <error>").
 */
import { JWT_ALGORITHMS } from '../../config/schema/consumer.js'

export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number]

export interface DecodedJwt {
  readonly header: Readonly<Record<string, unknown>>
  readonly claims: Readonly<Record<string, unknown>>
  readonly alg: JwtAlgorithm
  /** `<header>.<claims>` as sent: the bytes the signature covers. */
  readonly signingInput: string
  readonly signature: Buffer
}

const ALGORITHMS: ReadonlySet<string> = new Set(JWT_ALGORITHMS)
const BASE64_RE = /^[A-Za-z0-9+/]*$/

/**
 * Kong's base64url decoder: pads to a multiple of 4, maps the url alphabet to
 * the standard one and decodes as nginx does (stops at the first `=`, refuses
 * any other character). undefined when the text is not base64.
 */
export function decodeBase64Url(input: string): Buffer | undefined {
  const pad = input.length % 4
  let s = (pad ? input + '='.repeat(4 - pad) : input).replaceAll('-', '+').replaceAll('_', '/')
  const eq = s.indexOf('=')
  if (eq >= 0) s = s.slice(0, eq)
  if (!BASE64_RE.test(s) || s.length % 4 === 1) return undefined
  return Buffer.from(s, 'base64')
}

function parseJson(part: string | undefined): { ok: true; value: unknown } | { ok: false } {
  if (part === undefined) return { ok: false }
  const bytes = decodeBase64Url(part)
  if (!bytes) return { ok: false }
  try {
    return { ok: true, value: JSON.parse(bytes.toString('utf8')) as unknown }
  } catch {
    return { ok: false }
  }
}

/** A JSON object as a record; arrays have no named members (as a Lua table). */
function asRecord(v: unknown): Record<string, unknown> | undefined {
  if (Array.isArray(v)) return {}
  return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : undefined
}

/** Own member of a decoded JSON object (never an inherited property). */
export function member(obj: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(obj, name) ? obj[name] : undefined
}

/** Splits and decodes a token; the error is one of Kong's decoder messages. */
export function decodeJwt(token: string): { ok: true; jwt: DecodedJwt } | { ok: false; error: string } {
  // Like Kong's tokenize(token, '.', 3): the third part keeps any further dots.
  const first = token.indexOf('.')
  const second = first < 0 ? -1 : token.indexOf('.', first + 1)
  const headerPart = first < 0 ? token : token.slice(0, first)
  const claimsPart = first < 0 ? undefined : second < 0 ? token.slice(first + 1) : token.slice(first + 1, second)
  const signaturePart = second < 0 ? undefined : token.slice(second + 1)

  const header = parseJson(headerPart)
  const claims = parseJson(claimsPart)
  if (!header.ok || !claims.ok || signaturePart === undefined) return { ok: false, error: 'invalid JSON' }

  const h = asRecord(header.value)
  const alg = h && member(h, 'alg')
  if (!h || typeof alg !== 'string' || !ALGORITHMS.has(alg)) return { ok: false, error: 'invalid alg' }
  const c = asRecord(claims.value)
  if (!c) return { ok: false, error: 'invalid claims' }
  const signature = decodeBase64Url(signaturePart)
  if (!signature) return { ok: false, error: 'invalid signature' }

  return { ok: true, jwt: { header: h, claims: c, alg: alg as JwtAlgorithm, signingInput: `${headerPart}.${claimsPart}`, signature } }
}
