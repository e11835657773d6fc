/**
 * STS AssumeRole: temporary credentials for a role, asked of STS with the
 * base credentials and kept until shortly before they expire (as lua-resty-aws's
 * ChainableTemporaryCredentials does). The call is STS's query API
 * (POST `Action=AssumeRole&RoleArn=..&RoleSessionName=..&Version=2011-06-15`,
 * signed for `sts`), its answer the XML AssumeRoleResponse. One refresh at a
 * time: requests that need credentials meanwhile wait for the same call.
 */
import type { NodeView } from '../../types.js'
import { dispatcherFor, send } from './client.js'
import type { AwsCredentials, CredentialProvider } from './credentials.js'
import { requestSigner } from './sigv4.js'

export interface AssumeRoleOptions {
  readonly base: CredentialProvider
  readonly roleArn: string
  readonly sessionName: string
  readonly region: string
  /** STS's URL (default `https://sts.<region>.amazonaws.com`, the regional endpoint). */
  readonly endpoint?: string | undefined
  readonly proxyUrl?: string | undefined
  readonly timeout: number
  readonly node: NodeView
}

// Refreshed this long before the expiration STS gave.
const EARLY_MS = 5 * 60 * 1000
const MAX_ANSWER = 64 * 1024

/** STS refused or answered something that is not credentials: its status and error code only. */
export class AssumeRoleFailed extends Error {}

const XML_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }
const tag = (xml: string, name: string): string | undefined =>
  new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1]?.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => XML_ENTITIES[e]!)

/** A provider of the role's credentials. */
export function assumeRole(o: AssumeRoleOptions): CredentialProvider {
  const url = new URL(o.endpoint ?? `https://sts.${o.region}.amazonaws.com`)
  const scheme = url.protocol === 'http:' ? 'http' : 'https'
  const port = url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(url.port)
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  const origin = `${scheme}://${url.host}`
  const path = url.pathname === '' ? '/' : url.pathname
  const sign = requestSigner('sts', o.region, o.base)
  const form = new URLSearchParams({ Action: 'AssumeRole', RoleArn: o.roleArn, RoleSessionName: o.sessionName, Version: '2011-06-15' }).toString()
  let current: AwsCredentials | undefined
  let pending: Promise<AwsCredentials> | undefined

  const fetchCredentials = async (): Promise<AwsCredentials> => {
    const headers = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }
    const signed = await sign({ method: 'POST', scheme, host, port, path, headers, body: form })
    const d = dispatcherFor(o.node, { origin, timeout: o.timeout, keepalive: 60000, proxyUrl: o.proxyUrl })
    const res = await send(d, origin, { method: 'POST', path, headers: signed, body: form }, MAX_ANSWER)
    const xml = res.body.toString('utf8')
    if (res.status !== 200) throw new AssumeRoleFailed(`STS AssumeRole answered ${res.status} ${tag(xml, 'Code') ?? ''}`.trim())
    const accessKeyId = tag(xml, 'AccessKeyId')
    const secretAccessKey = tag(xml, 'SecretAccessKey')
    const sessionToken = tag(xml, 'SessionToken')
    const expiration = new Date(tag(xml, 'Expiration') ?? '')
    if (!accessKeyId || !secretAccessKey || !sessionToken || Number.isNaN(expiration.getTime()))
      throw new AssumeRoleFailed('STS AssumeRole answered without credentials')
    return { accessKeyId, secretAccessKey, sessionToken, expiration }
  }

  return () => {
    if (current?.expiration && current.expiration.getTime() - EARLY_MS > Date.now()) return Promise.resolve(current)
    pending ??= fetchCredentials().then(
      (c) => {
        current = c
        pending = undefined
        return c
      },
      (err: unknown) => {
        pending = undefined
        throw err
      },
    )
    return pending
  }
}
