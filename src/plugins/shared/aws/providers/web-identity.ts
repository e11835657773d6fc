/**
 * Web identity (lua-resty-aws TokenFileWebIdentityCredentials; EKS IRSA):
 * with AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN, an unsigned STS
 * AssumeRoleWithWebIdentity (session AWS_ROLE_SESSION_NAME, default
 * lua-resty-aws's `session@lua-resty-aws`) with the token file's content,
 * re-read on each call since EKS rotates it. STS is AWS_ENDPOINT_URL_STS,
 * else the regional https://sts.<region>.amazonaws.com, or the global
 * https://sts.amazonaws.com with AWS_STS_REGIONAL_ENDPOINTS=legacy or no
 * region; reached through the plugin's proxy_url when set, as Kong does.
 */
import type { NodeView } from '../../../types.js'
import type { AwsCredentials } from '../credentials.js'
import { request } from './http.js'
import { readBounded } from './read-bounded.js'
import { expirationOf, SourceFailed, type CredentialSource, type Env } from './types.js'

const MAX_TOKEN = 64 * 1024
const TIMEOUT_MS = 10_000

const XML_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }
const tag = (xml: string, name: string): string | undefined =>
  new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1]?.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => XML_ENTITIES[e]!)

/** STS's URL for this environment (and the region the config gives, else the environment's). */
export function stsEndpoint(env: Env, region: string | undefined): URL {
  if (env.AWS_ENDPOINT_URL_STS) return new URL(env.AWS_ENDPOINT_URL_STS)
  const r = region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION
  if (env.AWS_STS_REGIONAL_ENDPOINTS === 'legacy' || !r) return new URL('https://sts.amazonaws.com/')
  return new URL(`https://sts.${r}.amazonaws.com/`)
}

export interface WebIdentityOptions {
  readonly region?: string | undefined
  readonly proxyUrl?: string | undefined
}

export function webIdentitySource(env: Env, node: NodeView, o: WebIdentityOptions): CredentialSource {
  return {
    name: 'web identity (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)',
    async load(): Promise<AwsCredentials | undefined> {
      const file = env.AWS_WEB_IDENTITY_TOKEN_FILE
      const roleArn = env.AWS_ROLE_ARN
      if (!file || !roleArn) return undefined
      const token = await readBounded(file, MAX_TOKEN)
      if (token === undefined) throw new SourceFailed(`AWS_WEB_IDENTITY_TOKEN_FILE ${file} does not exist`)
      const url = stsEndpoint(env, o.region)
      const body = new URLSearchParams({
        Action: 'AssumeRoleWithWebIdentity',
        RoleArn: roleArn,
        RoleSessionName: env.AWS_ROLE_SESSION_NAME || 'session@lua-resty-aws',
        WebIdentityToken: token.trim(),
        Version: '2011-06-15',
      }).toString()
      const headers = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', accept: 'text/xml' }
      const res = await request(node, url, { method: 'POST', headers, body, timeout: TIMEOUT_MS, proxyUrl: o.proxyUrl })
      const xml = res.body.toString('utf8')
      if (res.status !== 200) throw new SourceFailed(`STS AssumeRoleWithWebIdentity answered ${res.status} ${tag(xml, 'Code') ?? ''}`.trim())
      const accessKeyId = tag(xml, 'AccessKeyId')
      const secretAccessKey = tag(xml, 'SecretAccessKey')
      const sessionToken = tag(xml, 'SessionToken')
      const expiration = expirationOf(tag(xml, 'Expiration'))
      if (!accessKeyId || !secretAccessKey || !sessionToken) throw new SourceFailed('STS AssumeRoleWithWebIdentity answered without credentials')
      return expiration ? { accessKeyId, secretAccessKey, sessionToken, expiration } : { accessKeyId, secretAccessKey, sessionToken }
    },
  }
}
