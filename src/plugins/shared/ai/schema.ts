/**
 * The LLM config records every AI plugin shares (Kong's kong/llm/schemas):
 * `auth`, `model` (with its `options`) and `logging`, and the checks Kong runs
 * over them as one record (`llmRecordChecks`). ai-proxy embeds the fields at
 * the top of its config; the transformer plugins nest them under `llm`.
 */
import * as z from 'zod'
import { kongUrlProblem, metaFields, oneOf, referenceable } from '../../../config/schema/typedefs.js'

export const PROVIDERS = ['openai', 'azure', 'anthropic', 'cohere', 'mistral', 'llama2', 'gemini', 'bedrock', 'huggingface'] as const
export type Provider = (typeof PROVIDERS)[number]
export const ROUTE_TYPES = ['llm/v1/chat', 'llm/v1/completions', 'preserve'] as const
export type RouteType = (typeof ROUTE_TYPES)[number]

const str = (what: string) => z.string({ error: 'expected a string' }).optional().describe(what)
const bool = (what: string) => z.boolean({ error: 'expected a boolean' }).optional().describe(what)

/** Kong's typedefs.url: any scheme, but a scheme and a host. */
const url = z.string({ error: 'expected a string' }).superRefine((v, ctx) => {
  const problem = kongUrlProblem(v)
  if (problem) ctx.addIssue({ code: 'custom', message: problem })
})

/** A number Kong bounds with `between`. */
const between = (min: number, max: number, int = false) => {
  const msg = `value should be between ${min} and ${max}`
  const n = z.number({ error: (iss) => (iss.input === undefined ? undefined : int ? 'expected an integer' : 'expected a number') })
  return (int ? n.int({ error: 'expected an integer' }) : n).min(min, { error: msg }).max(max, { error: msg })
}
const positive = z.number({ error: 'expected a number' }).gt(0, { error: 'value must be greater than 0' })
const integer = z.number({ error: 'expected an integer' }).int({ error: 'expected an integer' })

export const authRecord = z
  .strictObject({
    header_name: referenceable(z.string(), 'The header the provider reads its credential from (Authorization, api-key, x-api-key).', 'public').optional(),
    header_value: referenceable(z.string(), 'The whole value of `header_name`, e.g. `Bearer <key>`.').optional(),
    param_name: referenceable(z.string(), 'The query or body parameter the provider reads its credential from.', 'public').optional(),
    param_value: referenceable(z.string(), 'The value of `param_name`.').optional(),
    param_location: oneOf(['query', 'body']).optional().describe('Where `param_name` goes: the query string, or the JSON body.'),
    gcp_use_service_account: z.boolean({ error: 'expected a boolean' }).default(false).describe('Gemini on Vertex: authenticate with a GCP service account.'),
    gcp_service_account_json: referenceable(z.string(), 'The service account JSON (else the GCP_SERVICE_ACCOUNT environment variable).').optional(),
    aws_access_key_id: referenceable(z.string(), 'Bedrock: a static IAM access key id (else AWS_ACCESS_KEY_ID).').optional(),
    aws_secret_access_key: referenceable(z.string(), 'Bedrock: the secret of that key (else AWS_SECRET_ACCESS_KEY).').optional(),
    aws_assume_role_arn: referenceable(z.string(), 'Bedrock: an IAM role to assume (STS AssumeRole) with those credentials, and call Bedrock as.').optional(),
    aws_role_session_name: str("Bedrock: the assumed role's session name (default `kong`)."),
    aws_sts_endpoint_url: url
      .optional()
      .describe('Bedrock: the STS endpoint to assume the role at (default: the regional https://sts.<region>.amazonaws.com).'),
    allow_override: z
      .boolean({ error: 'expected a boolean' })
      .default(false)
      .describe("When true, a credential the client sent in the same header or parameter is kept instead of the plugin's."),
  })
  .optional()
  .describe('How the gateway authenticates to the provider.')

const modelOptions = z
  .strictObject({
    max_tokens: integer.optional().describe('max_tokens sent to chat and completion models (overrides the request).'),
    input_cost: positive.optional().describe('Cost of 1M prompt tokens, for the logged usage cost.'),
    output_cost: positive.optional().describe('Cost of 1M completion tokens, for the logged usage cost.'),
    temperature: between(0, 5).optional().describe('Sampling temperature (overrides the request).'),
    top_p: between(0, 1).optional().describe('Top-p probability mass (overrides the request).'),
    top_k: between(0, 500, true).optional().describe('Top-k most likely tokens, where the provider has it (overrides the request).'),
    anthropic_version: str('Anthropic: the anthropic-version header sent.'),
    azure_instance: str('Azure OpenAI: the instance name (<instance>.openai.azure.com).'),
    azure_api_version: z.string({ error: 'expected a string' }).default('2023-05-15').describe('Azure OpenAI: the api-version query parameter.'),
    azure_deployment_id: str('Azure OpenAI: the deployment id.'),
    llama2_format: oneOf(['raw', 'openai', 'ollama']).optional().describe("llama2: the upstream's message format."),
    mistral_format: oneOf(['openai', 'ollama']).optional().describe("mistral: the upstream's message format."),
    upstream_url: url.optional().describe('The full URL of the model endpoint, replacing the provider default (self-hosted or private endpoints).'),
    upstream_path: str('Deprecated (use upstream_url): the path sent upstream.'),
    gemini: z
      .strictObject({
        api_endpoint: str('Vertex: the regional API hostname.'),
        project_id: str('Vertex: the project id.'),
        location_id: str('Vertex: the location id.'),
      })
      .superRefine((g, ctx) => {
        const set = [g.api_endpoint, g.project_id, g.location_id].filter((v) => v !== undefined).length
        if (set !== 0 && set !== 3)
          ctx.addIssue({ code: 'custom', message: "all or none of these fields must be set: 'api_endpoint', 'project_id', 'location_id'" })
      })
      .optional()
      .describe('Gemini options.'),
    bedrock: z
      .strictObject({ aws_region: str('Bedrock: the AWS region (else AWS_REGION).') })
      .optional()
      .describe('Bedrock options.'),
    huggingface: z
      .strictObject({
        use_cache: bool("Hugging Face: use the inference API's cache."),
        wait_for_model: bool('Hugging Face: wait for a model that is still loading.'),
      })
      .optional()
      .describe('Hugging Face options.'),
  })
  .optional()
  .describe('Settings of the model.')

export const modelRecord = z
  .strictObject({
    provider: oneOf(PROVIDERS).describe('The provider whose API format requests are translated to and from.'),
    name: str("The model's name; when unset, the client's `model` is used."),
    options: modelOptions,
  })
  .describe('The model requests go to.')

export const loggingRecord = z
  .strictObject({
    log_statistics: z.boolean({ error: 'expected a boolean' }).default(false).describe("Adds the model's usage and token counts to the log plugins' record."),
    log_payloads: z.boolean({ error: 'expected a boolean' }).default(false).describe("Adds the request and response bodies to the log plugins' record."),
  })
  .prefault({})
  .describe('What the log record gets.')

/** The fields of Kong's llm config record. */
export const llmFields = {
  route_type: oneOf(ROUTE_TYPES).describe('The operation: chat, completions, or `preserve` to pass the body through untranslated.'),
  auth: authRecord,
  model: modelRecord,
  logging: loggingRecord,
}

export type AiAuth = z.infer<typeof authRecord>
export type AiModel = z.infer<typeof modelRecord>
export type AiLogging = z.infer<typeof loggingRecord>
export interface LlmConfig {
  route_type: RouteType
  auth?: AiAuth
  model: AiModel
  logging: AiLogging
}

/** Kong's conditional_at_least_one_of rules: provider → the option it needs, and why. */
const NEEDS: readonly [Provider, keyof NonNullable<AiModel['options']>, string][] = [
  ['llama2', 'llama2_format', 'llama2 provider'],
  ['mistral', 'mistral_format', 'mistral provider'],
  ['anthropic', 'anthropic_version', 'anthropic provider'],
  ['azure', 'azure_instance', 'azure provider'],
  ['azure', 'azure_api_version', 'azure provider'],
  ['azure', 'azure_deployment_id', 'azure provider'],
  ['llama2', 'upstream_url', 'self-hosted providers/models'],
]

/**
 * Kong's entity checks of the llm record, in its order; `at` is where the
 * record sits in the plugin config (ai-proxy: [], the transformers: ['llm']).
 */
export function llmRecordChecks(c: LlmConfig, ctx: z.core.$RefinementCtx, at: readonly string[] = []): void {
  const issue = (message: string, path: readonly string[] = []) => ctx.addIssue({ code: 'custom', message, path: [...at, ...path] })
  const auth = c.auth
  if ((c.model.provider === 'bedrock' || c.model.provider === 'gemini') && auth?.allow_override === true) {
    issue('bedrock and gemini only support auth.allow_override = false')
    issue('value must be false', ['auth', 'allow_override'])
  }
  const pair = [auth?.header_name, auth?.header_value]
  if (pair.some((v) => v !== undefined) && pair.some((v) => v === undefined))
    issue("all or none of these fields must be set: 'auth.header_name', 'auth.header_value'")
  const triple = [auth?.param_name, auth?.param_value, auth?.param_location]
  if (triple.some((v) => v !== undefined) && triple.some((v) => v === undefined))
    issue("all or none of these fields must be set: 'auth.param_name', 'auth.param_value', 'auth.param_location'")
  for (const [provider, option, what] of NEEDS)
    if (c.model.provider === provider && c.model.options?.[option] === undefined) issue(`must set 'model.options.${option}' for ${what}`)
  if (c.logging.log_statistics && c.route_type === 'llm/v1/completions' && c.model.provider === 'anthropic')
    issue('anthropic does not support statistics when route_type is llm/v1/completions')
}

export { metaFields }
