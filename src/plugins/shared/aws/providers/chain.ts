/**
 * The default credential chain (lua-resty-aws CredentialProviderChain), in
 * its order, first success wins: environment AWS_*, environment AMAZON_*,
 * the shared credentials file, the container endpoint, web identity, EC2
 * instance metadata (unless AWS_EC2_METADATA_DISABLED=true). What it found
 * is kept until 5 minutes before its Expiration (for ever when it has none);
 * one lookup at a time, the requests meanwhile share it; when nothing had
 * credentials the failure is kept 10 s, so requests do not each wait on the
 * metadata timeouts. A refresh that fails while the old credentials are still
 * valid keeps them. Chains live on the node, keyed by what configures them,
 * so remote credentials survive reloads.
 */
import { createHash } from 'node:crypto'
import { nodeSlot, type NodeView } from '../../../types.js'
import { NoCredentials, type AwsCredentials, type CredentialProvider } from '../credentials.js'
import { containerSource } from './container.js'
import { envSource } from './env.js'
import { imdsSource } from './imds.js'
import { sharedFileSource } from './shared-file.js'
import type { CredentialSource, Env } from './types.js'
import { webIdentitySource } from './web-identity.js'

const EARLY_MS = 5 * 60 * 1000
const FAILURE_MS = 10_000
// Distinct configurations a node keeps chains for; past it the oldest goes.
const MAX_CHAINS = 64

export interface ChainOptions {
  /** The plugin's fields to name in the error (`aws_key and aws_secret`). */
  readonly fields?: string | undefined
  /** The clock (ms); tests move it. */
  readonly now?: () => number
}

export class CredentialChain {
  private current: AwsCredentials | undefined
  private pending: Promise<AwsCredentials> | undefined
  private failure: { error: Error; until: number } | undefined
  private readonly now: () => number

  constructor(
    private readonly sources: readonly CredentialSource[],
    private readonly opts: ChainOptions = {},
  ) {
    this.now = opts.now ?? Date.now
  }

  /** The credentials to sign with now. */
  get(): Promise<AwsCredentials> {
    const now = this.now()
    const c = this.current
    if (c && (!c.expiration || c.expiration.getTime() - EARLY_MS > now)) return Promise.resolve(c)
    if (this.failure && this.failure.until > now) return Promise.reject(this.failure.error)
    this.pending ??= this.lookup().finally(() => {
      this.pending = undefined
    })
    return this.pending
  }

  private async lookup(): Promise<AwsCredentials> {
    const tried: string[] = []
    for (const source of this.sources) {
      try {
        const found = await source.load()
        if (found) {
          this.current = found
          this.failure = undefined
          return found
        }
        tried.push(`${source.name}: not set`)
      } catch (err) {
        // The sources' messages name files, endpoints and statuses, never a value.
        tried.push(`${source.name}: ${err instanceof Error ? err.message : 'failed'}`)
      }
    }
    const old = this.current
    if (old?.expiration && old.expiration.getTime() > this.now()) return old
    const error = new NoCredentials(this.opts.fields, tried)
    this.failure = { error, until: this.now() + FAILURE_MS }
    throw error
  }
}

export interface DefaultChainOptions extends ChainOptions {
  readonly node: NodeView
  readonly env: Env
  /** The region STS is asked in for web identity (the plugin's). */
  readonly region?: string | undefined
  /** The plugin's forward proxy, for STS. */
  readonly proxyUrl?: string | undefined
  /** aws-lambda's aws_imds_protocol_version. */
  readonly imdsVersion?: 'v1' | 'v2' | undefined
}

/** The sources of the default chain, in lua-resty-aws's order. */
export function defaultSources(o: DefaultChainOptions): CredentialSource[] {
  const { env, node } = o
  const sources = [
    envSource(env, 'AWS'),
    envSource(env, 'AMAZON'),
    sharedFileSource(env),
    containerSource(env, node),
    webIdentitySource(env, node, { region: o.region, proxyUrl: o.proxyUrl }),
  ]
  if (env.AWS_EC2_METADATA_DISABLED?.toLowerCase() !== 'true') sources.push(imdsSource(env, node, o.imdsVersion ?? 'v1'))
  return sources
}

// The variables that decide what the chain finds (their values only hashed into the key).
const CONFIGURING = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AMAZON_ACCESS_KEY_ID',
  'AMAZON_SECRET_ACCESS_KEY',
  'AMAZON_SESSION_TOKEN',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_PROFILE',
  'HOME',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'AWS_ROLE_SESSION_NAME',
  'AWS_STS_REGIONAL_ENDPOINTS',
  'AWS_ENDPOINT_URL_STS',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_EC2_METADATA_SERVICE_ENDPOINT',
] as const

const CHAINS = nodeSlot('shared:aws-credential-chains', () => new Map<string, CredentialChain>())

/** The node's chain for this environment and plugin settings (made on first use, kept across reloads). */
export function defaultChain(o: DefaultChainOptions): CredentialProvider {
  const { env, node } = o
  const hash = createHash('sha256')
  for (const name of CONFIGURING) hash.update(`${name}=${env[name] ?? '\u0000'}\n`)
  hash.update(`region=${o.region ?? ''}\nproxy=${o.proxyUrl ?? ''}\nimds=${o.imdsVersion ?? 'v1'}`)
  const key = hash.digest('base64')
  const all = node.slot(CHAINS)
  let chain = all.get(key)
  if (!chain) {
    // A snapshot of the variables: the chain's key says what it was made from.
    const snapshot: Record<string, string | undefined> = {}
    for (const name of CONFIGURING) snapshot[name] = env[name]
    chain = new CredentialChain(defaultSources({ ...o, env: snapshot }), o.now ? { now: o.now } : {})
    if (all.size >= MAX_CHAINS) all.delete(all.keys().next().value!)
    all.set(key, chain)
  }
  const c = chain
  // Plugins with the same settings share the chain; each names its own fields in the error.
  return () => c.get().catch((err: unknown) => Promise.reject(err instanceof NoCredentials ? new NoCredentials(o.fields, err.tried) : err))
}

/** The plugin's key and secret when both are set, else the node's default chain for these settings. */
export function configOrChainCredentials(key: string | undefined, secret: string | undefined, o: DefaultChainOptions): CredentialProvider {
  if (key !== undefined && secret !== undefined) {
    const fixed: AwsCredentials = { accessKeyId: key, secretAccessKey: secret }
    return () => Promise.resolve(fixed)
  }
  return defaultChain(o)
}
