/**
 * ai-proxy: an OpenAI-format request becomes the configured provider's
 * (Kong's shared filters parse-request → normalize-request in access), is
 * sent to the provider's endpoint with the configured credential, and the
 * answer comes back as OpenAI's (normalize-response-header in header_filter,
 * parse/normalize-json-response over the whole body), its token counts going
 * into the log record (serialize-analytics). A streamed 200 answer is
 * translated chunk by chunk as it passes (stream.ts), never buffered.
 */
import { gunzipSync, gzipSync } from 'node:zlib'
import { AI } from '../../errors.js'
import { DRIVERS } from '../shared/ai/drivers/index.js'
import { passThrough } from '../shared/ai/drivers/stream.js'
import { output } from '../shared/ai-prompt/request.js'
import { framerFor } from '../shared/ai/stream-frames.js'
import { estimateTokens, hasPrompts, incompatibility, modelFor, modelTemplate, parseBody, type Body } from '../shared/ai/request.js'
import { LlmStats, serializeAnalytics } from '../shared/ai/stats.js'
import type { AiModel } from '../shared/ai/schema.js'
import { definePhases, type Kit } from '../types.js'
import type { AiProxyConfig } from './schema.js'
import { translateStream, UNSUPPORTED_STREAM } from './stream.js'

/** What one request carries from access to log. */
interface State {
  model: AiModel | undefined
  /** The client's `model` when the plugin did not get as far as its own (Kong's parse-request model). */
  clientModel: string | undefined
  stream: boolean
  acceptGzip: boolean
  upstreamGzip: boolean
  /** The body sent upstream (Kong's ngx.req.get_body_data after set_body). */
  sentBody: string | undefined
  /** The answer as the client gets it (before gzip). */
  responseBody: string | undefined
  stats: LlmStats
}

// An upstream's gzip answer is inflated to be read; past this it is not (a bomb), and passed on as is.
const MAX_INFLATED = 64 * 1024 * 1024
const GZIP_TOKEN = /(?:^|[^A-Za-z])gzip(?:$|[^A-Za-z])/

export default definePhases<AiProxyConfig>((conf, env) => {
  const driver = DRIVERS[conf.model.provider]
  if (!driver) throw new Error(`ai-proxy: provider '${conf.model.provider}' is not supported yet`)
  const template = modelTemplate(conf.model)
  const routeType = conf.route_type
  const preserve = routeType === 'preserve'
  const auth = conf.auth
  const options = conf.model.options
  // Kong's cloud identity (bedrock's region, credentials and signer; gemini's tokens, cached on the node): settled once per config.
  const identity = driver.identity?.(conf, { node: env.node, env: process.env })
  const states = new WeakMap<Kit, State>()

  /** A 200 stream: translated chunk by chunk, or, when its type cannot be framed, Kong's one error event. */
  function translating(kit: Kit, state: State, upstreamType: string | undefined): void {
    const model = state.model!
    if (state.upstreamGzip) {
      // Asked for identity, sent gzip all the same: chunks of a deflated stream cannot be framed one by one.
      env.log.warn('streamed answer is gzip-encoded: passed on untranslated')
      return
    }
    const framer = framerFor(upstreamType)
    if (!framer) {
      let sent = false
      kit.response.streamBody(() => {
        if (sent) return ''
        sent = true
        return UNSUPPORTED_STREAM
      })
      return
    }
    const route = routeType as Exclude<typeof routeType, 'preserve'>
    kit.response.streamBody(
      translateStream({
        framer,
        translate: driver!.streamTranslator?.(model, route) ?? passThrough,
        stats: state.stats,
        logPayloads: conf.logging.log_payloads,
        inputCost: options?.input_cost,
        outputCost: options?.output_cost,
        log: (msg) => env.log.error(msg),
        done: (composite) => (state.responseBody = composite),
      }),
    )
  }

  return {
    async access(kit) {
      const state: State = {
        model: undefined,
        clientModel: undefined,
        stream: false,
        acceptGzip: GZIP_TOKEN.test(kit.request.header('accept-encoding') ?? ''),
        upstreamGzip: false,
        sentBody: undefined,
        responseBody: undefined,
        stats: new LlmStats(),
      }
      states.set(kit, state)
      const raw = await kit.request.body()
      const parsed = parseBody(raw, kit.request.header('content-type'), conf.max_request_body_size)
      const request: Body = parsed ?? {}
      if (typeof request.model === 'string') state.clientModel = request.model
      state.stream = Boolean(request.stream)
      state.stats.start()

      const merged = modelFor(kit, template)
      if ('error' in merged) return AI.bad(merged.error)
      const model = merged.model
      if (!preserve && !hasPrompts(request)) return AI.NO_PROMPTS

      // Kong copies the request so the mutations below never reach the parsed original.
      const body: Body = { ...request }
      const own = typeof body.model === 'string' ? body.model : undefined
      if (model.name === undefined && own !== undefined) model.name = own
      if (own !== undefined && own !== '' && own !== model.name) return AI.ownModel(String(model.name))
      if (model.name === undefined && !preserve) return AI.NO_MODEL
      state.model = model

      const wrong = parsed === undefined ? undefined : incompatibility(body, routeType)
      if (wrong !== undefined) return AI.bad(wrong)

      if (body.stream || conf.response_streaming === 'always') {
        body.stream = true
        if (conf.response_streaming === 'deny') return AI.STREAMING_DENIED
        state.stream = true
      } else state.stream = false

      // Kong's drivers ask for gzip or nothing (no brotli); the answer is inflated to be read.
      // A stream is asked for plain bytes: each chunk is translated as it comes.
      kit.upstream.setHeader('accept-encoding', state.stream ? 'identity' : 'gzip, identity')

      let upstreamBody: Body | undefined
      if (!preserve && parsed !== undefined) {
        const out = driver.toFormat(body, model, routeType)
        if ('error' in out) return AI.bad(out.error)
        upstreamBody = out.ok
      }
      if (auth?.param_name !== undefined && auth.param_value !== undefined && auth.param_location === 'body')
        if (body[auth.param_name] === undefined || !auth.allow_override) body[auth.param_name] = auth.param_value
      if (upstreamBody !== undefined) {
        state.sentBody = JSON.stringify(upstreamBody)
        kit.upstream.setBody(state.sentBody)
        kit.upstream.setHeader('content-type', 'application/json')
      } else state.sentBody = raw.toString('utf8')

      if (!driver.countsTokens) {
        const estimate = estimateTokens(body, state.stream ? 1.8 : 1.0)
        if (estimate === undefined) {
          env.log.error('unable to estimate request token cost: Invalid request format')
          return AI.FAILED
        }
        state.stats.promptTokens = estimate
      }

      if (identity?.error !== undefined) {
        env.log.error(`error authenticating with ${conf.model.provider} using native provider auth, ${identity.error}`)
        return AI.IDENTITY_FAILED
      }
      let identityHeaders: Record<string, string> | undefined
      if (identity?.headers) {
        const got = await identity.headers()
        if ('error' in got) {
          env.log.error(`error authenticating with ${conf.model.provider} using native provider auth, ${got.error}`)
          return AI.IDENTITY_FAILED
        }
        identityHeaders = got.ok
      }

      const endpoint = identity?.endpoint ? identity.endpoint(model, routeType, state.stream) : driver.endpoint(model, routeType, state.stream)
      if ('error' in endpoint) {
        if (endpoint.answer) return endpoint.answer
        env.log.error(`failed to configure request for AI service: ${endpoint.error}`)
        return AI.FAILED
      }
      const e = endpoint.ok
      // preserve sends the client's own path, unless the deprecated upstream_path names one; a 'routed' path is left as routed.
      const path = (preserve && model.options?.upstream_path === undefined && e.pathRule === undefined ? kit.request.path : e.path).replace(/^\/*/, '/')
      if (e.pathRule !== 'routed') kit.upstream.setPath(path)
      kit.upstream.setTarget(e.host, e.port, e.scheme)
      if (e.defaultQuery) for (const [k, v] of Object.entries(e.defaultQuery)) if (!kit.upstream.query.has(k)) kit.upstream.query.set(k, v)
      if (driver.headers) for (const [k, v] of Object.entries(driver.headers(model))) kit.upstream.setHeader(k, v)

      if (auth?.header_name !== undefined && auth.header_value !== undefined)
        if (driver.headerAuthOnly || kit.request.header(auth.header_name) === undefined || !auth.allow_override)
          kit.upstream.setHeader(auth.header_name, auth.header_value)
      if (!driver.headerAuthOnly && auth?.param_name !== undefined && auth.param_value !== undefined && auth.param_location === 'query')
        if (!kit.request.query.has(auth.param_name) || !auth.allow_override) kit.upstream.query.set(auth.param_name, auth.param_value)
      if (identityHeaders) for (const [k, v] of Object.entries(identityHeaders)) kit.upstream.setHeader(k, v)
      if (identity?.sign) {
        // Signed as it will be sent: the final path, query and body (nothing after this may change them).
        const query: Record<string, string[]> = {}
        // Read only when there is one: reading the query re-encodes it.
        if (kit.request.query.size > 0 || auth?.param_location === 'query') for (const [k, v] of kit.upstream.query) (query[k] ??= []).push(v)
        const body = upstreamBody !== undefined ? state.sentBody! : raw
        let signed: Record<string, string>
        try {
          signed = await identity.sign({ method: kit.upstream.method, scheme: e.scheme, host: e.host, port: e.port, path, query, body })
        } catch (err) {
          env.log.error(`failed to configure request for AI service: ${err instanceof Error ? err.message : String(err)}`)
          return AI.FAILED
        }
        // A client's own token would be taken for the signer's: only the signer's goes.
        if (signed['x-amz-security-token'] === undefined) kit.upstream.clearHeader('x-amz-security-token')
        for (const [k, v] of Object.entries(signed)) kit.upstream.setHeader(k, v)
      }
      return undefined
    },

    headerFilter(kit) {
      const state = states.get(kit)
      const res = kit.response
      if (!state || res.source !== 'service') {
        res.clearHeader('content-encoding')
        res.skipBody()
        return
      }
      state.stats.end()
      state.upstreamGzip = res.header('content-encoding') === 'gzip'
      if (state.stream) {
        // Every provider's stream goes to the client as server-sent events.
        const upstreamType = res.header('content-type')
        res.setHeader('content-type', 'text/event-stream')
        res.skipBody()
        if (res.status === 200 && !preserve && state.model && !output(kit, 'ai-request-transformer-transform-request', 'transformed'))
          translating(kit, state, upstreamType)
      } else if (state.acceptGzip) {
        res.clearHeader('content-length')
        res.setHeader('content-encoding', 'gzip')
      } else res.clearHeader('content-encoding')
      if (res.status !== 200) return
      const name = state.model?.name
      if ((conf.model_name_header || kit.request.header('kong-debug') !== undefined) && name !== undefined)
        res.setHeader('x-kong-llm-model', `${conf.model.provider}/${name}`)
      if (!preserve && !state.stream) for (const h of driver.clearHeaders) res.clearHeader(h)
    },

    bodyFilter(kit, body) {
      const state = states.get(kit)
      if (!state) return body
      let text: string
      try {
        text = (state.upstreamGzip ? gunzipSync(body, { maxOutputLength: MAX_INFLATED }) : body).toString('utf8')
      } catch {
        // Not gzip after all, or too large inflated: passed on as it came.
        return body
      }
      let answer: unknown
      try {
        answer = JSON.parse(text)
      } catch {
        answer = undefined
      }
      state.stats.readUsage(answer)
      if (kit.response.status === 200 && !preserve && state.model) {
        const out = driver.fromFormat(text, state.model, routeType as Exclude<typeof routeType, 'preserve'>)
        if ('error' in out) {
          env.log.error(`issue when transforming the response body for analytics: ${out.error}`)
          kit.response.status = 500
          text = AI.untranslatable(out.error)
        } else {
          text = out.ok
          if (text !== JSON.stringify(answer)) {
            try {
              answer = JSON.parse(text)
            } catch {
              answer = undefined
            }
          }
        }
        state.stats.readUsage(answer)
      }
      if (kit.response.status === 200 && !preserve) state.stats.price(options?.input_cost, options?.output_cost)
      state.responseBody = text
      return state.acceptGzip ? gzipSync(text) : text
    },

    log(kit) {
      const state = states.get(kit)
      if (!state || !conf.logging.log_statistics) return
      const requestModel = state.model?.name ?? state.clientModel ?? 'UNSPECIFIED'
      let responseModel: string | undefined
      if (state.responseBody !== undefined) {
        try {
          const m = (JSON.parse(state.responseBody) as { model?: unknown }).model
          if (typeof m === 'string') responseModel = m
        } catch {
          responseModel = undefined
        }
      }
      serializeAnalytics(
        kit,
        'proxy',
        {
          pluginId: env.plugin.id,
          provider: state.model ? conf.model.provider : 'UNSPECIFIED',
          requestModel,
          responseModel: responseModel ?? requestModel,
          extra: state.model && driver.meta?.(state.model),
        },
        state.stats,
        conf.logging.log_payloads ? { request: state.sentBody, response: state.responseBody } : undefined,
      )
    },
  }
})
