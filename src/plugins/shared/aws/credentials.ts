/**
 * Where AWS credentials come from, in the order Kong's aws-lambda takes them:
 * the plugin's own key and secret, else lua-resty-aws's default chain
 * (providers/chain.ts: environment, shared file, container endpoint, web
 * identity, instance metadata). A provider is a function the signer calls
 * for each signature; an assumed role (STS) wraps another provider
 * (assume-role.ts); configOrChainCredentials (providers/chain.ts) picks
 * between the config's and the chain's. Credentials never go into a message.
 */
export interface AwsCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string | undefined
  /** When temporary credentials stop working. */
  readonly expiration?: Date | undefined
}

export type CredentialProvider = () => Promise<AwsCredentials>

/** No source had credentials; the message names the sources and why each had none, never a value. */
export class NoCredentials extends Error {
  constructor(
    fields = 'aws_key and aws_secret',
    readonly tried: readonly string[] = [],
  ) {
    super(`no AWS credentials: set ${fields}, or give the gateway credentials (tried: ${tried.length ? tried.join('; ') : 'nothing'})`)
  }
}
