/**
 * Where AWS credentials come from, in the order Kong's aws-lambda takes them:
 * the plugin's own key and secret, else the process environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, as
 * lua-resty-aws's EnvironmentCredentials reads them). A provider is a
 * function the signer calls for each signature; an assumed role (STS) wraps
 * another provider (assume-role.ts). Credentials never go into a message.
 */

export interface AwsCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string | undefined
  /** When temporary credentials stop working. */
  readonly expiration?: Date | undefined
}

export type CredentialProvider = () => Promise<AwsCredentials>

/** No source had credentials; the message names the sources, never a value. */
export class NoCredentials extends Error {
  constructor(fields = 'aws_key and aws_secret') {
    super(`no AWS credentials: set ${fields}, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment`)
  }
}

/** The plugin's key and secret when set, else the environment's (read once, now); `fields` names the plugin's two fields when there are none. */
export function configOrEnvCredentials(key: string | undefined, secret: string | undefined, env: NodeJS.ProcessEnv, fields?: string): CredentialProvider {
  if (key !== undefined && secret !== undefined) {
    const fixed: AwsCredentials = { accessKeyId: key, secretAccessKey: secret }
    return () => Promise.resolve(fixed)
  }
  const id = env.AWS_ACCESS_KEY_ID
  const secretKey = env.AWS_SECRET_ACCESS_KEY
  if (id && secretKey) {
    const token = env.AWS_SESSION_TOKEN
    const fromEnv: AwsCredentials = token
      ? { accessKeyId: id, secretAccessKey: secretKey, sessionToken: token }
      : { accessKeyId: id, secretAccessKey: secretKey }
    return () => Promise.resolve(fromEnv)
  }
  return () => Promise.reject(new NoCredentials(fields))
}
