/**
 * A callout's HTTP exchange: sending the request as its context says (Lua may
 * have changed it), retrying under `on_error: retry` (each retry recorded in
 * the context as Kong does), and the response as the context keeps it
 * (`store` and `decode` flags).
 */
import { request, type Dispatcher } from 'undici'
import { injectFormat } from '../shared/tracing/propagation/index.js'
import type { Kit, KitSpan, PluginEnv } from '../types.js'
import type { CachedResponse } from './cache.js'
import type { Compiled } from './compile.js'
import { parseJson } from './values.js'
import type { CalloutContext, Params } from './request.js'

export interface Outcome {
  /** The last response; undefined when the last attempt failed to get one. */
  response: CachedResponse | undefined
  /** The last attempt got no response or one of `error.http_statuses`. */
  failed: boolean
}

/**
 * Kong's http_client instrumentation: a `kong.internal.request` span (client
 * kind) per call, under the span running now, when the request is traced.
 */
function calloutSpan(kit: Kit, url: URL, p: Params, headers: Record<string, string | string[]>): KitSpan | undefined {
  const trace = kit.trace
  if (!trace || trace.propagationOnly || !trace.instrumented('http_client')) return undefined
  const ua = Object.entries(headers).find(([k]) => k.toLowerCase() === 'user-agent')?.[1]
  return trace.startSpan('kong.internal.request', 3, {
    'http.url': url.href,
    'http.method': p.method,
    'http.flavor': '1.1',
    ...(ua !== undefined ? { 'http.user_agent': String(ua) } : {}),
  })
}

/**
 * A traced request's context goes to the callout too, as W3C `traceparent`
 * (the callout's span, else the span running now, as the parent), so the
 * service called joins the request's trace. A traceparent the callout's own
 * headers set is kept.
 */
function injectTraceContext(kit: Kit, span: KitSpan | undefined, headers: Record<string, string | string[]>): void {
  const trace = kit.trace
  if (!trace || Object.keys(headers).some((k) => k.toLowerCase() === 'traceparent')) return
  const r = injectFormat('w3c', {
    traceId: trace.traceId.toString('hex'),
    spanId: (span ?? trace.active).spanId.toString('hex'),
    shouldSample: trace.sampled === true,
  })
  if (r.ok) Object.assign(headers, r.headers)
}

async function send(c: Compiled, p: Params, kit: Kit): Promise<CachedResponse> {
  const url = new URL(p.url)
  const search = new URLSearchParams()
  for (const [k, v] of Object.entries(p.query)) for (const x of Array.isArray(v) ? v : [v]) search.append(k, x)
  url.search = search.toString()
  const headers: Record<string, string | string[]> = { ...p.headers }
  let body: string | undefined
  if (p.body !== undefined && p.body !== null) {
    if (typeof p.body === 'string') body = p.body
    else {
      body = JSON.stringify(p.body)
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json'
    }
  }
  const t = p.timeouts
  const span = calloutSpan(kit, url, p, headers)
  injectTraceContext(kit, span, headers)
  try {
    const res = await request(url, {
      method: p.method as Dispatcher.HttpMethod,
      headers,
      body,
      dispatcher: c.dispatcher(url),
      ...(t?.read !== undefined ? { headersTimeout: t.read, bodyTimeout: t.read } : {}),
    })
    const text = await res.body.text()
    span?.setAttribute('http.status_code', res.statusCode)
    return { status: res.statusCode, headers: res.headers, body: text }
  } catch (err) {
    // Kong's span:record_error.
    span?.addEvent('exception', { 'exception.message': err instanceof Error ? err.message : String(err) })
    throw err
  } finally {
    span?.finish()
  }
}

/** Sends `params` (`current`'s request), with the retries `on_error: retry` allows, recorded in `current`. */
export async function exchange(c: Compiled, current: CalloutContext, params: Params, env: PluginEnv, kit: Kit): Promise<Outcome> {
  const e = c.conf.request.error
  const maxRetries = e.on_error === 'retry' ? e.retries : 0
  let response: CachedResponse | undefined
  let failed: boolean
  for (let attempt = 0; ; attempt++) {
    try {
      response = await send(c, params, kit)
      failed = c.statuses.has(response.status)
      if (!failed) break
      if (attempt >= maxRetries) break
      current.request.retries.push({ reason: 'code', http_code: response.status })
    } catch (err) {
      failed = true
      response = undefined
      const msg = err instanceof Error ? err.message : String(err)
      env.log.warn('request-callout request failed', { callout: c.conf.name, error: msg })
      if (attempt >= maxRetries) break
      current.request.retries.push({ reason: 'error', err: msg })
    }
    current.request.n_retries++
  }
  return { response, failed }
}

/** The response as the context keeps it (store / decode flags). */
export function storeShape(c: Compiled, res: CachedResponse): CachedResponse {
  const rc = c.conf.response
  const out: CachedResponse = { status: res.status }
  if (rc.headers.store) out.headers = res.headers
  if (rc.body.store) {
    const raw = res.body as string
    out.body = rc.body.decode ? (parseJson(raw) ?? raw) : raw
  }
  return out
}
