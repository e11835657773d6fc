// An independent AWS Signature Version 4 verifier, written from AWS's
// specification (not with the SDK signer the gateway uses): the canonical
// request (each path segment URI-encoded again, the query sorted, the signed
// headers trimmed), the string to sign and the derived key, recomputed from
// what arrived on the wire.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

export interface Secret {
  secret: string
  /** Temporary credentials must come with this X-Amz-Security-Token. */
  token?: string
}

export interface Verified {
  ok: boolean
  /** Why not, when not ok. */
  why?: string
  accessKeyId?: string
  region?: string
  service?: string
  signedHeaders?: string[]
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex')
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest()

/** RFC 3986 encoding as SigV4 wants it: only A-Z a-z 0-9 - . _ ~ stay. */
const uriEncode = (s: string) =>
  Array.from(Buffer.from(s, 'utf8'))
    .map((b) => {
      const c = String.fromCharCode(b)
      return /[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`
    })
    .join('')

const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '))

function canonicalQuery(raw: string): string {
  if (raw === '') return ''
  const pairs = raw.split('&').map((p) => {
    const eq = p.indexOf('=')
    const k = eq === -1 ? p : p.slice(0, eq)
    const v = eq === -1 ? '' : p.slice(eq + 1)
    return [uriEncode(decode(k)), uriEncode(decode(v))] as const
  })
  pairs.sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
  return pairs.map(([k, v]) => `${k}=${v}`).join('&')
}

/** Checks the request's Authorization against the secrets known for each access key id. */
export function verifySigV4(
  req: { method: string; url: string; headers: IncomingHttpHeaders },
  body: Buffer,
  secrets: ReadonlyMap<string, Secret>,
  expect: { region: string; service: string },
): Verified {
  const auth = req.headers.authorization
  if (typeof auth !== 'string') return { ok: false, why: 'no Authorization header' }
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth)
  if (!m) return { ok: false, why: `malformed Authorization: ${auth.replace(/Signature=.*/, '')}` }
  const [, accessKeyId, day, region, service, signedList, signature] = m as unknown as string[]
  const base = { accessKeyId, region, service, signedHeaders: signedList!.split(';') }
  const known = secrets.get(accessKeyId!)
  if (!known) return { ...base, ok: false, why: `unknown access key ${accessKeyId}` }
  if (region !== expect.region || service !== expect.service) return { ...base, ok: false, why: `scope ${region}/${service}` }
  const amzDate = req.headers['x-amz-date']
  if (typeof amzDate !== 'string' || !amzDate.startsWith(day!)) return { ...base, ok: false, why: 'x-amz-date missing or not the scope date' }
  const signed = signedList!.split(';')
  if (!signed.includes('host') || !signed.includes('x-amz-date')) return { ...base, ok: false, why: 'host and x-amz-date must be signed' }
  if (known.token !== undefined && (req.headers['x-amz-security-token'] !== known.token || !signed.includes('x-amz-security-token')))
    return { ...base, ok: false, why: 'the security token is missing, wrong or unsigned' }
  const headerLines = signed.map((name) => {
    const v = req.headers[name]
    const value = (Array.isArray(v) ? v.join(',') : (v ?? '')).trim().replace(/\s+/g, ' ')
    return `${name}:${value}\n`
  })
  const [rawPath, rawQuery = ''] = (req.url ?? '/').split(/\?(.*)/s)
  const canonicalUri = rawPath!
    .split('/')
    .map((seg) => uriEncode(seg))
    .join('/')
  const canonical = [req.method, canonicalUri, canonicalQuery(rawQuery), headerLines.join(''), signedList, sha256(body)].join('\n')
  const scope = `${day}/${region}/${service}/aws4_request`
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n')
  const key = hmac(hmac(hmac(hmac(`AWS4${known.secret}`, day!), region!), service!), 'aws4_request')
  const mine = createHmac('sha256', key).update(toSign).digest()
  const theirs = Buffer.from(signature!, 'hex')
  return timingSafeEqual(mine, theirs) ? { ...base, ok: true } : { ...base, ok: false, why: 'signature mismatch' }
}
