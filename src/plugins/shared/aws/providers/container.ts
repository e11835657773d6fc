/**
 * Container credentials (lua-resty-aws RemoteCredentials; ECS task roles and
 * EKS Pod Identity): GET AWS_CONTAINER_CREDENTIALS_RELATIVE_URI on
 * http://169.254.170.2, or AWS_CONTAINER_CREDENTIALS_FULL_URI, whose plain
 * http is allowed only to the hosts the AWS SDKs allow (loopback, the ECS
 * agent 169.254.170.2, EKS Pod Identity's 169.254.170.23 and [fd00:ec2::23]);
 * https anywhere. The Authorization header is the content of
 * AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (re-read each time: EKS rotates
 * it), else AWS_CONTAINER_AUTHORIZATION_TOKEN. The answer:
 * {AccessKeyId, SecretAccessKey, Token, Expiration}.
 */
import type { NodeView } from '../../../types.js'
import type { AwsCredentials } from '../credentials.js'
import { jsonOf, request } from './http.js'
import { readBounded } from './read-bounded.js'
import { expirationOf, SourceFailed, type CredentialSource, type Env } from './types.js'

const ECS_HOST = 'http://169.254.170.2'
const HTTP_HOSTS = new Set(['localhost', '169.254.170.2', '169.254.170.23', '[fd00:ec2::23]', '[::1]'])
const TIMEOUT_MS = 5000
const MAX_TOKEN = 16 * 1024

/** The endpoint the environment names, undefined when none, or why it is refused (never the URL's credentials). */
export function containerEndpoint(env: Env): URL | { refused: string } | undefined {
  const relative = env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
  if (relative) return new URL(relative.startsWith('/') ? relative : `/${relative}`, ECS_HOST)
  const full = env.AWS_CONTAINER_CREDENTIALS_FULL_URI
  if (!full) return undefined
  let url: URL
  try {
    url = new URL(full)
  } catch {
    return { refused: 'AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL' }
  }
  if (url.protocol === 'https:') return url
  if (url.protocol !== 'http:') return { refused: 'AWS_CONTAINER_CREDENTIALS_FULL_URI must be http or https' }
  if (HTTP_HOSTS.has(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname)) return url
  return { refused: `AWS_CONTAINER_CREDENTIALS_FULL_URI: plain http is allowed only to loopback or the ECS/EKS agent, not ${url.hostname}` }
}

async function authorization(env: Env): Promise<string | undefined> {
  const file = env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
  if (file) {
    const token = await readBounded(file, MAX_TOKEN)
    if (token === undefined) throw new SourceFailed(`AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE ${file} does not exist`)
    return token.trim()
  }
  return env.AWS_CONTAINER_AUTHORIZATION_TOKEN || undefined
}

export function containerSource(env: Env, node: NodeView): CredentialSource {
  return {
    name: 'container endpoint (AWS_CONTAINER_CREDENTIALS_*)',
    async load() {
      const url = containerEndpoint(env)
      if (url === undefined) return undefined
      if ('refused' in url) throw new SourceFailed(url.refused)
      const auth = await authorization(env)
      const headers: Record<string, string> = { accept: 'application/json' }
      if (auth !== undefined) headers.authorization = auth
      const res = await request(node, url, { method: 'GET', headers, timeout: TIMEOUT_MS })
      if (res.status !== 200) throw new SourceFailed(`${url.origin} answered ${res.status}`)
      return credentialsOf(url, jsonOf(url, res.body))
    },
  }
}

/** The credentials of a container or instance metadata answer (their JSON is the same). */
export function credentialsOf(url: URL, o: Record<string, unknown>): AwsCredentials {
  const { AccessKeyId, SecretAccessKey, Token } = o
  if (typeof AccessKeyId !== 'string' || typeof SecretAccessKey !== 'string' || !AccessKeyId || !SecretAccessKey)
    throw new SourceFailed(`${url.origin}: the answer has no AccessKeyId and SecretAccessKey`)
  const expiration = expirationOf(o.Expiration)
  return {
    accessKeyId: AccessKeyId,
    secretAccessKey: SecretAccessKey,
    ...(typeof Token === 'string' && Token ? { sessionToken: Token } : {}),
    ...(expiration ? { expiration } : {}),
  }
}
