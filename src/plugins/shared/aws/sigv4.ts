/**
 * AWS Signature Version 4 for a request to an AWS service, with the AWS SDK's
 * own signer (@smithy/signature-v4), never a hand-written one. The caller
 * gives the request as it will go on the wire (method, scheme, host, port,
 * escaped path, query, headers, body) and gets the headers to send:
 * `authorization`, `x-amz-date` and, with temporary credentials,
 * `x-amz-security-token`. Signers are cheap to keep: one per service, region
 * and credential source (the signer caches its derived keys).
 */
import { SignatureV4 } from '@smithy/signature-v4'
import { Hash } from '@smithy/hash-node'
import type { CredentialProvider } from './credentials.js'

export interface SignableRequest {
  readonly method: string
  readonly scheme: 'http' | 'https'
  readonly host: string
  readonly port: number
  /** The path exactly as sent (already escaped). */
  readonly path: string
  readonly query?: Readonly<Record<string, string | string[]>>
  /** Lower-case names. `host` is added from host and port. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | Buffer
}

export type RequestSigner = (req: SignableRequest) => Promise<Record<string, string>>

const sha256 = Hash.bind(null, 'sha256')

/** The Host header AWS signs: the port only when it is not the scheme's default. */
export function hostHeader(scheme: 'http' | 'https', host: string, port: number): string {
  const bare = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
  return port === (scheme === 'https' ? 443 : 80) ? bare : `${bare}:${port}`
}

/** A signer for `service` in `region`, with credentials from `credentials` (asked at each signing). */
export function requestSigner(service: string, region: string, credentials: CredentialProvider): RequestSigner {
  // applyChecksum off: like the SDK's clients other than S3, no x-amz-content-sha256 header.
  const signer = new SignatureV4({ service, region, credentials, sha256, applyChecksum: false })
  return async (req) => {
    const host = hostHeader(req.scheme, req.host, req.port)
    const signed = await signer.sign({
      method: req.method,
      protocol: `${req.scheme}:`,
      hostname: req.host,
      port: req.port,
      path: req.path,
      query: { ...req.query },
      headers: { ...req.headers, host },
      body: req.body,
    })
    return signed.headers
  }
}
