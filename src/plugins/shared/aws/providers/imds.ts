/**
 * EC2 instance metadata (lua-resty-aws EC2MetadataCredentials): an IMDSv2
 * token (PUT /latest/api/token with its TTL header), the instance role's
 * name (GET /latest/meta-data/iam/security-credentials/), then its JSON
 * credentials. With `aws_imds_protocol_version: v2` the token is required;
 * with v1 a refused token falls back to asking without one. The endpoint is
 * AWS_EC2_METADATA_SERVICE_ENDPOINT, else http://169.254.169.254; the
 * timeout is 1 s, so a machine off EC2 does not hold requests long (and the
 * chain remembers the failure). The chain leaves it out when
 * AWS_EC2_METADATA_DISABLED=true.
 */
import type { NodeView } from '../../../types.js'
import { credentialsOf } from './container.js'
import { jsonOf, request } from './http.js'
import { SourceFailed, type CredentialSource, type Env } from './types.js'

const TIMEOUT_MS = 1000
const TOKEN_TTL_SECONDS = '21600'
const ROLES = '/latest/meta-data/iam/security-credentials/'

export function imdsSource(env: Env, node: NodeView, version: 'v1' | 'v2'): CredentialSource {
  const base = (env.AWS_EC2_METADATA_SERVICE_ENDPOINT || 'http://169.254.169.254').replace(/\/+$/, '')
  return {
    name: `instance metadata ${base} (IMDS${version})`,
    async load() {
      const at = (path: string) => new URL(`${base}${path}`)
      let token: string | undefined
      const put = await request(node, at('/latest/api/token'), {
        method: 'PUT',
        headers: { 'x-aws-ec2-metadata-token-ttl-seconds': TOKEN_TTL_SECONDS },
        timeout: TIMEOUT_MS,
      })
      if (put.status === 200) token = put.body.toString('utf8').trim()
      else if (version === 'v2') throw new SourceFailed(`${base}: the IMDSv2 token was refused (${put.status})`)
      const headers: Record<string, string> = token ? { 'x-aws-ec2-metadata-token': token } : {}
      const roles = await request(node, at(ROLES), { method: 'GET', headers, timeout: TIMEOUT_MS })
      if (roles.status !== 200) throw new SourceFailed(`${base}: the instance role's name: ${roles.status}`)
      const role = roles.body.toString('utf8').split('\n')[0]!.trim()
      if (!role) throw new SourceFailed(`${base}: the instance has no role`)
      const url = at(`${ROLES}${encodeURIComponent(role)}`)
      const creds = await request(node, url, { method: 'GET', headers, timeout: TIMEOUT_MS })
      if (creds.status !== 200) throw new SourceFailed(`${base}: the role's credentials: ${creds.status}`)
      return credentialsOf(url, jsonOf(url, creds.body))
    },
  }
}
