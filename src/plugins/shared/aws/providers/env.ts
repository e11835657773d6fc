/**
 * Environment credentials (lua-resty-aws EnvironmentCredentials): the
 * `<PREFIX>_ACCESS_KEY_ID`, `<PREFIX>_SECRET_ACCESS_KEY` and
 * `<PREFIX>_SESSION_TOKEN` variables; the chain asks prefix AWS, then AMAZON.
 */
import type { AwsCredentials } from '../credentials.js'
import type { CredentialSource, Env } from './types.js'

export function envSource(env: Env, prefix: 'AWS' | 'AMAZON'): CredentialSource {
  return {
    name: `environment ${prefix}_ACCESS_KEY_ID`,
    load() {
      const accessKeyId = env[`${prefix}_ACCESS_KEY_ID`]
      const secretAccessKey = env[`${prefix}_SECRET_ACCESS_KEY`]
      if (!accessKeyId || !secretAccessKey) return Promise.resolve(undefined)
      const sessionToken = env[`${prefix}_SESSION_TOKEN`] || undefined
      const c: AwsCredentials = sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey }
      return Promise.resolve(c)
    },
  }
}
