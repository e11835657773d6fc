/**
 * Lambda's answer to Invoke, turned into the client's answer as Kong does
 * (kong/plugins/aws-lambda/handler.lua and request-util.lua):
 * - a JSON answer (Content-Type application/...json) is decoded, and sent
 *   re-encoded (empty arrays as `{}` under empty_arrays_mode `legacy`);
 * - Lambda's own headers go to the client, less Content-Length and the
 *   hop-by-hop ones;
 * - `is_proxy_integration`: the function's statusCode, headers,
 *   multiValueHeaders and body (base64-decoded when isBase64Encoded) make
 *   the answer; a shape Kong refuses is its 502 with the reason;
 * - X-Amz-Function-Error `Unhandled` answers `unhandled_status` when set.
 * Lambda answering 400 or more is the plugin's error (Kong's 500).
 */
import { AWS_LAMBDA } from '../../errors.js'
import { numberToString } from '../../lua/core/value.js'
import { decodeBase64 } from '../shared/base64.js'
import type { Exit } from '../types.js'
import { cjsonEncode } from './payload.js'

export interface LambdaAnswer {
  readonly status: number
  readonly headers: Record<string, string | string[]>
  readonly body: Buffer
}

export interface MappingOptions {
  readonly isProxyIntegration: boolean
  readonly unhandledStatus: number | undefined
  readonly legacyEmptyArrays: boolean
}

/** Kong's own failure: logged, the client gets Kong's 500 (the message never holds a credential). */
export class LambdaError extends Error {}

const JSON_TYPE = /application\/.*json/
// Dropped from Lambda's headers: Kong removes these (it reads nginx's $http2, which is set on every request since nginx 1.25).
const DROPPED = new Set(['content-length', 'connection', 'keep-alive', 'proxy-connection', 'upgrade', 'transfer-encoding'])
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

// cjson's null: decoded, but no Lua type Kong's exit takes.
const NULL = Symbol('null')
type Content = string | number | boolean | object | typeof NULL | undefined

/** lua-resty-aws: a JSON answer is decoded when it decodes (false stays text: Lua's `if ok`). */
function decodeContent(a: LambdaAnswer): Content {
  const ct = first(a.headers['content-type'])
  const text = a.body.toString('utf8')
  if (ct === undefined || !JSON_TYPE.test(ct.toLowerCase())) return text
  try {
    const v: unknown = JSON.parse(text)
    if (v === null) return NULL
    return v === false ? text : (v as Content)
  } catch {
    return text
  }
}

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)

/** A header value as kong.response.exit takes it (a string, number, boolean or a list of those). */
function headerValue(name: string, v: unknown): string | string[] {
  if (!TOKEN.test(name)) throw new LambdaError(`invalid header name "${name}"`)
  if (typeof v === 'string') return v
  if (typeof v === 'number') return numberToString(v)
  if (typeof v === 'boolean') return String(v)
  if (Array.isArray(v)) return v.map((x) => headerValue(name, x) as string)
  throw new LambdaError(`invalid header value for "${name}": got ${v === null ? 'userdata' : 'table'}`)
}

/** Kong's validate_http_status_code: a number, or a string Lua's tonumber reads, in 100-599. */
function statusCode(v: unknown): number | undefined {
  if (v === undefined) return undefined
  if (typeof v === 'boolean' || v === null || typeof v === 'object') throw new LambdaError('attempt to compare number with a non-number statusCode')
  const n = typeof v === 'string' ? (v.trim() === '' ? NaN : Number(v)) : (v as number)
  return Number.isFinite(n) && n >= 100 && n <= 599 ? n : undefined
}

/** Kong's extract_proxy_response: the answer, or the reason Kong gives for refusing it. */
function proxyResponse(content: Content): { status: number; headers: Record<string, unknown>; body: Buffer } | { error: string } {
  let r: unknown = content
  if (typeof content === 'string') {
    if (content.trim() === '') return { error: 'Expected value but found T_END at character 1' }
    try {
      r = JSON.parse(content)
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) }
    }
  }
  if (r === NULL || r === null || typeof r === 'number' || typeof r === 'boolean') throw new LambdaError('attempt to index a non-table proxy response')
  const o = (typeof r === 'object' ? r : {}) as Record<string, unknown>
  const status = statusCode(o.statusCode)
  if (status === undefined) return { error: 'statusCode validation failed' }
  if (o.headers !== undefined && (o.headers === null || typeof o.headers !== 'object')) return { error: 'headers must be a table' }
  if (o.body !== undefined && typeof o.body !== 'string') return { error: 'body must be a string' }
  if (o.isBase64Encoded !== undefined && typeof o.isBase64Encoded !== 'boolean') return { error: 'isBase64Encoded must be a boolean' }
  const headers: Record<string, unknown> = { ...(o.headers as Record<string, unknown> | undefined) }
  let body: Buffer = Buffer.from((o.body as string | undefined) ?? '', 'utf8')
  if (o.isBase64Encoded === true) {
    const decoded = decodeBase64((o.body as string | undefined) ?? '')
    if (decoded === undefined) throw new LambdaError('the body is not valid base64')
    body = decoded
  }
  const multi = o.multiValueHeaders
  if (multi !== undefined && multi !== null && typeof multi === 'object') Object.assign(headers, multi)
  return { status, headers, body }
}

/** Empty arrays become objects, as cjson encodes a table without its array marker. */
function legacyArrays(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? {} : v.map(legacyArrays)
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) out[k] = legacyArrays(x)
    return out
  }
  return v
}

/** The client's answer. `via` is added by the caller (Kong's Via on the answer). */
export function mapAnswer(a: LambdaAnswer, o: MappingOptions): Exit {
  let content = decodeContent(a)
  if (a.status >= 400) {
    const message = content !== null && typeof content === 'object' ? (content as { Message?: unknown }).Message : undefined
    throw new LambdaError(typeof message === 'string' ? message : `Lambda answered ${a.status}`)
  }
  const headers: Record<string, string | string[]> = {}
  for (const [k, v] of Object.entries(a.headers)) if (!DROPPED.has(k)) headers[k] = v
  let status: number | undefined
  let body: Buffer | undefined
  if (o.isProxyIntegration) {
    const p = proxyResponse(content)
    if ('error' in p) return AWS_LAMBDA.badProxyResponse(p.error)
    status = p.status
    for (const [k, v] of Object.entries(p.headers)) {
      const name = k.toLowerCase()
      if (!DROPPED.has(name)) headers[name] = headerValue(k, v)
    }
    body = p.body
    content = undefined
  }
  if (status === undefined) {
    status = o.unhandledStatus !== undefined && first(headers['x-amz-function-error']) === 'Unhandled' ? o.unhandledStatus : a.status
  }
  if (content !== undefined && typeof content !== 'string') {
    if (content === NULL || typeof content !== 'object') throw new LambdaError('body must be a nil, string or table')
    const ct = first(headers['content-type'])
    if (o.legacyEmptyArrays && ct !== undefined && JSON_TYPE.test(ct.toLowerCase())) content = legacyArrays(content) as object
    body = Buffer.from(cjsonEncode(content))
  } else if (typeof content === 'string') body = Buffer.from(content, 'utf8')
  return { status, headers, body: body ?? Buffer.alloc(0) }
}
