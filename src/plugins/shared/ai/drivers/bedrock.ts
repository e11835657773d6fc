/**
 * The Bedrock driver (kong/llm/drivers/bedrock.lua): chats go to the Converse
 * API (`/model/{modelId}/converse`, or `/converse-stream` for a streamed
 * answer) on `bedrock-runtime.{region}.amazonaws.com`, signed with SigV4 for
 * service `bedrock`. The region is `model.options.bedrock.aws_region`, else
 * AWS_REGION or AWS_DEFAULT_REGION; the credentials are `auth`'s key and
 * secret, else lua-resty-aws's default chain (environment, shared file,
 * container endpoint, web identity, instance metadata), optionally exchanged for an assumed role's
 * (STS AssumeRole). All of it is settled once per config (`identity`); the
 * mapping of requests and answers is bedrock-format.ts, of streamed events
 * bedrock-stream.ts.
 */
import { assumeRole } from '../../aws/assume-role.js'
import { configOrChainCredentials } from '../../aws/providers/chain.js'
import { requestSigner } from '../../aws/sigv4.js'
import { mergeDefaults } from '../request.js'
import type { AiModel, RouteType } from '../schema.js'
import { fromConverse, refusesSystemPrompt, toConverse, Unmappable } from './bedrock-format.js'
import { bedrockStreamTranslator } from './bedrock-stream.js'
import type { Driver, DriverIdentity, Endpoint, Result } from './types.js'
import { endpointOf } from './url.js'

const NO_REGION = 'AWS region not specified anywhere'
// Kong's http client timeout for the calls it makes itself (STS here).
const STS_TIMEOUT_MS = 60_000

/**
 * Kong's configure_request: `upstream_url` as given, else the region's
 * bedrock-runtime with the model's operation; `upstream_path` replaces the
 * path. The model id is one escaped path segment, as the AWS SDK sends it
 * (an ARN's `/` and a version's `:` do not split it).
 */
export function bedrockEndpoint(region: string | undefined, model: AiModel, stream: boolean): Result<Endpoint> {
  const o = model.options
  if (o?.upstream_url !== undefined) return endpointOf(o.upstream_url, o.upstream_path)
  if (region === undefined) return { error: NO_REGION }
  const operation = stream ? 'converse-stream' : 'converse'
  return endpointOf(`https://bedrock-runtime.${region}.amazonaws.com`, o?.upstream_path ?? `/model/${encodeURIComponent(String(model.name))}/${operation}`)
}

function identity(llm: Parameters<NonNullable<Driver['identity']>>[0], ctx: Parameters<NonNullable<Driver['identity']>>[1]): DriverIdentity {
  // Kong's aws instance is made from the config as written: a templated region is not filled in.
  const region = llm.model.options?.bedrock?.aws_region ?? ctx.env.AWS_REGION ?? ctx.env.AWS_DEFAULT_REGION
  if (region === undefined) return { error: NO_REGION }
  const auth = llm.auth
  let credentials = configOrChainCredentials(auth?.aws_access_key_id, auth?.aws_secret_access_key, {
    node: ctx.node,
    env: ctx.env,
    region,
    fields: 'auth.aws_access_key_id and auth.aws_secret_access_key',
  })
  if (auth?.aws_assume_role_arn !== undefined) {
    credentials = assumeRole({
      base: credentials,
      roleArn: auth.aws_assume_role_arn,
      sessionName: auth.aws_role_session_name ?? 'kong',
      region,
      endpoint: auth.aws_sts_endpoint_url,
      timeout: STS_TIMEOUT_MS,
      node: ctx.node,
    })
  }
  const sign = requestSigner('bedrock', region, credentials)
  return {
    endpoint: (model, _routeType, stream) => bedrockEndpoint(region, model, stream),
    // As Kong's signer: only host and x-amz-date are signed, so headers set later cannot break the signature.
    sign: (req) =>
      sign({ ...req, headers: {} }).catch((err: unknown) => {
        // No credential source, STS refusing the role, STS unreachable: the reason, never a key.
        throw new Error(`failed to sign AWS request: ${err instanceof Error ? err.message : String(err)}`)
      }),
  }
}

export const bedrock: Driver = {
  provider: 'bedrock',
  countsTokens: true,
  clearHeaders: ['set-cookie'],
  toFormat(b, model, routeType) {
    if (routeType !== 'llm/v1/chat') return { error: `no transformer for bedrock://${routeType}` }
    mergeDefaults(b, model.options)
    try {
      return { ok: toConverse(b, model) }
    } catch (err) {
      // Kong's message for a Lua error (no message of its own) ends in `nil`.
      return { error: `error transforming to bedrock://${routeType}: ${err instanceof Unmappable ? err.message : 'nil'}` }
    }
  },
  fromFormat(raw, model, routeType) {
    if (routeType !== 'llm/v1/chat') return { error: `no transformer available from format bedrock://${routeType}` }
    const out = fromConverse(raw, model)
    return 'error' in out ? { error: `transformation failed from type bedrock://${routeType}: ${out.error}` } : { ok: JSON.stringify(out.ok) }
  },
  streamTranslator: (model) => bedrockStreamTranslator(model),
  endpoint(model: AiModel, _routeType: RouteType) {
    return bedrockEndpoint(model.options?.bedrock?.aws_region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION, model, false)
  },
  identity,
  refusesSystemPrompt: (model) => model.name !== undefined && refusesSystemPrompt(model.name),
}
