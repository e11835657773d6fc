/**
 * The transformer plugins' call to an LLM (Kong's LLM:ai_introspect_body in
 * kong/llm/init.lua): the system prompt and the text become an OpenAI chat,
 * translated by the provider's driver, sent over the node's HTTP client, and
 * the answer's first message is the new text (optionally the first match of
 * a pattern in it). Statistics go to the log record under the plugin's name.
 */
import { Agent, request } from 'undici'
import { nodeSlot, type Kit, type NodeView } from '../../types.js'
import { DRIVERS } from './drivers/index.js'
import type { OutgoingRequest } from './drivers/types.js'
import type { Body } from './request.js'
import type { LlmConfig } from './schema.js'
import { LlmStats } from './stats.js'
import { addSerializeValue } from '../../../lua/pdk/serialize-values.js'
import { toLua } from '../../../lua/pdk/convert.js'

/** One pool per node for the AI services (and ai-response-transformer's own call upstream), and one that skips certificate checks (https_verify: false). */
export const AI_CLIENTS = nodeSlot(
  'shared:ai-client',
  () => ({ verify: new Agent(), noVerify: new Agent({ connect: { rejectUnauthorized: false } }) }),
  async (c) => {
    await Promise.all([c.verify.close(), c.noVerify.close()])
  },
)

// An answer larger than this is not read (an LLM's chat answer is far smaller).
const MAX_ANSWER = 16 * 1024 * 1024

export interface Introspector {
  /** The provider's cloud identity headers (gemini's GCP token; none for the others), or why there are none. */
  identity(): Promise<{ ok: Record<string, string> } | { error: string }>
  /** The new text, or Kong's error message; `identity` is what identity() gave. */
  introspect(kit: Kit, text: string | undefined, identity?: Record<string, string>): Promise<{ ok: string } | { error: string }>
}

export interface IntrospectOptions {
  llm: LlmConfig
  prompt: string
  pattern: string | undefined
  timeoutMs: number
  verify: boolean
  pluginName: string
  pluginId: string
  node: NodeView
}

export function introspector(o: IntrospectOptions): Introspector | { error: string } {
  const driver = DRIVERS[o.llm.model.provider]
  if (!driver) return { error: `could not instantiate kong.llm.drivers.${o.llm.model.provider} package` }
  let pattern: RegExp | undefined
  if (o.pattern !== undefined) {
    try {
      // Kong's ngx.re.match flags "ijom": caseless, multi-line.
      pattern = new RegExp(o.pattern, 'im')
    } catch (e) {
      pattern = undefined
      const err = (e as Error).message
      return { identity: async () => ({ ok: {} }), introspect: async () => ({ error: `failed regex matching ai response: ${err}` }) }
    }
  }
  const model = o.llm.model
  const auth = o.llm.auth
  const logging = o.llm.logging
  // Kong's cloud identity (bedrock's region and signer), settled once per config as the plugin's own.
  const identity = driver.identity?.(o.llm, { node: o.node, env: process.env })
  if (identity?.error !== undefined) return { error: 'LLM request failed before proxying' }
  const ep = identity?.endpoint ? identity.endpoint(model, 'llm/v1/chat', false) : driver.endpoint(model, 'llm/v1/chat')
  // Kong's ai_introspect_body: a Bedrock model that refuses system prompts gets the instructions as the user's first turn.
  const noSystem = driver.refusesSystemPrompt?.(model) === true
  let url: string | undefined
  // The URL as configured, unless the driver builds on it (huggingface's chat path under upstream_url).
  if (model.options?.upstream_url !== undefined && !('ok' in ep && ep.ok.pathRule !== undefined)) url = model.options.upstream_url
  else if ('ok' in ep) {
    const e = ep.ok
    const q = e.defaultQuery ? `?${new URLSearchParams(e.defaultQuery).toString()}` : ''
    url = `${e.scheme}://${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}${e.path}${q}`
  }
  return {
    identity: async () => (identity?.headers ? identity.headers() : { ok: {} }),
    async introspect(kit, text, identityHeaders = {}) {
      const request0: Body = {
        messages: noSystem
          ? [
              { role: 'user', content: o.prompt },
              { role: 'assistant', content: 'What is the message?' },
              { role: 'user', content: text },
            ]
          : [
              { role: 'system', content: o.prompt },
              { role: 'user', content: text },
            ],
        stream: false,
      }
      const out = driver.toFormat(request0, { ...model }, 'llm/v1/chat')
      if ('error' in out) return out
      const body = out.ok
      if (auth?.param_name !== undefined && auth.param_value !== undefined && auth.param_location === 'body')
        if (body[auth.param_name] === undefined || !auth.allow_override) body[auth.param_name] = auth.param_value
      if (url === undefined) return { error: 'failed to introspect request with AI service: no upstream url' }
      const stats = new LlmStats()
      stats.start()
      const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/json', ...driver.headers?.(model) }
      if (auth?.header_name !== undefined && auth.header_value !== undefined) headers[auth.header_name.toLowerCase()] = auth.header_value
      // Kong's subrequest: the cloud identity's bearer instead of the configured header.
      Object.assign(headers, identityHeaders)
      const payload = JSON.stringify(body)
      let status: number
      let answer: string
      try {
        if (identity?.sign) Object.assign(headers, await identity.sign(outgoing(url, payload)))
      } catch (e) {
        return { error: `failed to introspect request with AI service: ${(e as Error).message}` }
      }
      try {
        const clients = o.node.slot(AI_CLIENTS)
        const res = await request(url, {
          method: 'POST',
          headers,
          body: payload,
          dispatcher: o.verify ? clients.verify : clients.noVerify,
          headersTimeout: o.timeoutMs,
          bodyTimeout: o.timeoutMs,
        })
        status = res.statusCode
        const chunks: Buffer[] = []
        let size = 0
        for await (const c of res.body as AsyncIterable<Buffer>) {
          size += c.length
          if (size > MAX_ANSWER) {
            res.body.destroy()
            return { error: 'failed to introspect request with AI service: answer too large' }
          }
          chunks.push(c)
        }
        answer = Buffer.concat(chunks).toString('utf8')
      } catch (e) {
        return { error: `failed to introspect request with AI service: request to ai service failed: ${(e as Error).message}` }
      }
      stats.end()
      if (status > 299) return { error: `failed to introspect request with AI service: status code ${status}` }
      const converted = driver.fromFormat(answer, model, 'llm/v1/chat', { transformer: true })
      if ('error' in converted) return { error: `failed to convert AI response to Kong format: ${converted.error}` }
      let parsed: any
      try {
        parsed = JSON.parse(converted.ok)
      } catch (e) {
        return { error: `failed to convert AI response to JSON: ${(e as Error).message}` }
      }
      stats.readUsage(parsed)
      stats.price(model.options?.input_cost, model.options?.output_cost)
      if (logging.log_statistics || logging.log_payloads) transformerAnalytics(kit, o, parsed, stats, text, converted.ok, driver.meta?.(model))
      const content = parsed?.choices?.[0]?.message?.content
      if (content === undefined || content === null) return { error: "no 'choices' in upstream AI service response" }
      const reply = typeof content === 'string' ? content : JSON.stringify(content)
      if (!pattern) return { ok: reply }
      const m = pattern.exec(reply)
      return m ? { ok: m[0] } : { error: 'AI response did not match specified regular expression' }
    },
  }
}

/** A POST of `body` to `url`, as undici sends it, for a driver to sign. */
function outgoing(url: string, body: string): OutgoingRequest {
  const u = new URL(url)
  const query: Record<string, string[]> = {}
  for (const [k, v] of u.searchParams) (query[k] ??= []).push(v)
  const scheme = u.protocol === 'http:' ? 'http' : 'https'
  const port = u.port === '' ? (scheme === 'https' ? 443 : 80) : Number(u.port)
  return { method: 'POST', scheme, host: u.hostname.replace(/^\[|\]$/g, ''), port, path: u.pathname, query, body }
}

/**
 * Kong's shared.post_request for the transformers: `ai.<plugin>.meta`,
 * `.usage` (the fields the answer had, time per token in whole ms) and an
 * empty `.cache` with log_statistics; the payloads with log_payloads. The
 * request model is the one the request's ai-proxy chose, which this gateway
 * does not share between plugins: UNSPECIFIED, as Kong logs it without one.
 */
function transformerAnalytics(
  kit: Kit,
  o: IntrospectOptions,
  answer: any,
  stats: LlmStats,
  request: string | undefined,
  response: string,
  extra: Record<string, string | undefined> | undefined,
): void {
  const set = (key: string, value: unknown) => addSerializeValue(kit, { key: `ai.${o.pluginName}.${key}`, value: toLua(value), mode: 'set' })
  const logging = o.llm.logging
  if (logging.log_payloads) {
    set('payload.request', request)
    set('payload.response', response)
  }
  if (!logging.log_statistics) return
  const model = o.llm.model
  set('meta', {
    plugin_id: o.pluginId,
    provider_name: model.provider,
    request_model: 'UNSPECIFIED',
    response_model: typeof answer?.model === 'string' ? answer.model : model.name,
    llm_latency: stats.latencyMs,
    ...extra,
  })
  const u = answer?.usage
  const usage: Record<string, number> = {}
  if (typeof u?.completion_tokens === 'number') usage.time_per_token = u.completion_tokens > 0 ? Math.floor(stats.latencyMs / u.completion_tokens) : 0
  if (typeof u?.prompt_tokens === 'number') usage.prompt_tokens = u.prompt_tokens
  if (typeof u?.completion_tokens === 'number') usage.completion_tokens = u.completion_tokens
  if (typeof u?.total_tokens === 'number') usage.total_tokens = u.total_tokens
  const o2 = model.options
  if (typeof u?.prompt_tokens === 'number' && typeof u?.completion_tokens === 'number' && o2?.input_cost !== undefined && o2.output_cost !== undefined)
    usage.cost = (u.prompt_tokens * o2.input_cost + u.completion_tokens * o2.output_cost) / 1_000_000
  set('usage', usage)
  set('cache', {})
}
