/**
 * ai-response-transformer: in the access phase the plugin makes the upstream
 * request itself, hands the upstream's answer to an LLM with the configured
 * prompt, and answers the client with the LLM's text (or, with
 * parse_llm_response_json_instructions, the status, headers and body the LLM
 * gave as JSON), as Kong's filters/transform-response.lua does.
 */
import { gunzipSync } from 'node:zlib'
import { request } from 'undici'
import { AI } from '../../errors.js'
import { AI_CLIENTS, introspector } from '../shared/ai/client.js'
import { definePhases, type Exit, type Kit } from '../types.js'
import type { AiResponseTransformerConfig } from './schema.js'

// Headers that belong to one connection, not to the answer the client gets.
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer'])
const MAX_UPSTREAM = 16 * 1024 * 1024

/**
 * lua-cjson takes control characters inside a JSON string as they are (an
 * LLM writes multi-line bodies so); JSON.parse does not: they are escaped
 * first, and nothing else changes.
 */
function controlsEscaped(text: string): string {
  let out = ''
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (inString) {
      if (c === '\\') {
        out += c + (text[i + 1] ?? '')
        i++
        continue
      }
      if (c === '"') inString = false
      else if (c.charCodeAt(0) < 0x20) {
        out += `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
        continue
      }
    } else if (c === '"') inString = true
    out += c
  }
  return out
}

interface Upstream {
  status: number
  headers: Record<string, string | string[]>
  body: string
}

export default definePhases<AiResponseTransformerConfig>((conf, env) => {
  const llm = introspector({
    llm: conf.llm,
    prompt: conf.prompt,
    pattern: conf.transformation_extract_pattern,
    timeoutMs: conf.http_timeout,
    verify: conf.https_verify,
    pluginName: 'ai-response-transformer',
    pluginId: env.plugin.id,
    node: env.node,
  })

  /** Kong's subrequest: the request as it would go upstream, to the service's host and port. */
  async function callUpstream(kit: Kit, body: Buffer | undefined): Promise<Upstream | { error: string }> {
    const s = kit.service
    if (!s) return { error: 'failed to connect to upstream: no service' }
    const scheme = s.protocol === 'https' || s.protocol === 'grpcs' ? 'https' : 'http'
    const q = kit.upstream.query.toString()
    const url = `${scheme}://${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}${encodeURI(kit.upstream.path)}${q ? `?${q}` : ''}`
    const headers: Record<string, string | string[]> = {}
    for (const [k, v] of Object.entries(kit.request.headers)) if (v !== undefined && !HOP.has(k) && k !== 'host') headers[k] = v
    try {
      const clients = env.node.slot(AI_CLIENTS)
      const res = await request(url, {
        method: kit.request.method as 'GET',
        headers,
        body: body && body.length > 0 ? body : null,
        dispatcher: conf.https_verify ? clients.verify : clients.noVerify,
        headersTimeout: conf.http_timeout,
        bodyTimeout: conf.http_timeout,
      })
      const chunks: Buffer[] = []
      let size = 0
      for await (const c of res.body as AsyncIterable<Buffer>) {
        size += c.length
        if (size > MAX_UPSTREAM) {
          res.body.destroy()
          return { error: 'subrequest failed: answer too large' }
        }
        chunks.push(c)
      }
      let raw = Buffer.concat(chunks)
      if (res.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw, { maxOutputLength: MAX_UPSTREAM })
      const out: Record<string, string | string[]> = {}
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined && !HOP.has(k)) out[k] = v
      return { status: res.statusCode, headers: out, body: raw.toString('utf8') }
    } catch (e) {
      return { error: `failed to connect to upstream: ${(e as Error).message}` }
    }
  }

  return {
    async access(kit): Promise<Exit> {
      // Kong checks the cloud identity before anything else: kong.response.exit(500, ...).
      const identity = 'error' in llm ? { ok: {} } : await llm.identity()
      if ('error' in identity) {
        env.log.error(`error authenticating with ${conf.llm.model.provider} using native provider auth, ${identity.error}`)
        return AI.TRANSFORMER_IDENTITY_FAILED
      }
      if ('error' in llm) return AI.failed(llm.error)
      const raw = await kit.request.body()
      const up = await callUpstream(kit, raw.length > conf.max_request_body_size ? undefined : raw)
      if ('error' in up) {
        env.log.error(up.error)
        return AI.failed(up.error)
      }
      const out = await llm.introspect(kit, up.body, identity.ok)
      if ('error' in out) {
        env.log.info(out.error)
        return AI.bad(out.error)
      }
      if (!conf.parse_llm_response_json_instructions) return { status: up.status, body: out.ok, headers: up.headers }
      // Kong's parse_json_instructions: {status, headers, body}, or the whole object as the body.
      let parsed: unknown
      try {
        parsed = JSON.parse(controlsEscaped(out.ok))
      } catch (e) {
        return AI.failed(`failed to parse JSON response instructions from AI backend: ${(e as Error).message}`)
      }
      if (typeof parsed !== 'object' || parsed === null)
        return AI.failed('failed to parse JSON response instructions from AI backend: input not table or string')
      const i = parsed as { status?: unknown; headers?: unknown; body?: unknown }
      const headers = { ...up.headers }
      if (typeof i.headers === 'object' && i.headers !== null)
        for (const [k, v] of Object.entries(i.headers)) if (typeof v === 'string') headers[k.toLowerCase()] = v
      const status = typeof i.status === 'number' && Number.isInteger(i.status) && i.status >= 100 && i.status <= 999 ? i.status : 200
      const body = i.body ?? parsed
      return typeof body === 'string' ? { status, body, headers } : { status, json: body, headers }
    },
  }
})
