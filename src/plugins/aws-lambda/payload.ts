/**
 * The event aws-lambda sends as the function's payload, as Kong builds it
 * (kong/plugins/aws-lambda/request-util.lua, build_request_payload):
 * - `awsgateway_compatible`: an API Gateway proxy event (event.ts);
 * - any `forward_request_*`: the fields asked for (request_method,
 *   request_uri + request_uri_args, request_headers, request_body +
 *   request_body_args, request_body_base64);
 * - otherwise the query arguments merged with the body's arguments.
 * Bodies larger than nginx's in-memory buffer (Kong's 8 KiB) are left out
 * under `skip_large_bodies`, as Kong leaves out a body nginx spooled to disk.
 */
import { argsObject, decodeArgs, type ArgValue } from '../../http/args.js'
import { bodyKind, boundaryOf, parseMultipart } from '../shared/body.js'
import type { Kit, PluginLog } from '../types.js'
import type { AwsLambdaConfig } from './schema.js'

/** nginx's client_body_buffer_size under Kong: a larger body goes to a temp file. */
export const BODY_BUFFER_BYTES = 8 * 1024

// Kong sends these as they are even when base64_encode_body is on (the whole Content-Type must match).
const RAW_CONTENT_TYPES = new Set(['text/plain', 'text/html', 'application/xml', 'text/xml', 'application/soap+xml'])

/** cjson's encoding, as Kong's payloads and answers have it: compact, `/` escaped. */
export const cjsonEncode = (v: unknown): string => JSON.stringify(v).replace(/\//g, '\\/')

/**
 * The body as Kong's read_request_body gives it: undefined for none (nginx's
 * nil) or for one skipped because it would have been spooled to disk.
 */
export async function rawBody(kit: Kit, skipLarge: boolean, log: PluginLog): Promise<Buffer | undefined> {
  const body = await kit.request.body()
  if (body.length === 0) return undefined
  if (skipLarge && body.length > BODY_BUFFER_BYTES) {
    log.error('request body was buffered to disk, too large')
    return undefined
  }
  return body
}

/** kong.request.get_query: names to a value, `true` for a bare name, a list when repeated. */
export const queryArgs = (kit: Kit): Record<string, ArgValue> => argsObject(decodeArgs(kit.request.rawQuery))

/** kong.request.get_headers: lower-case names, a list when repeated. */
export function headerTable(kit: Kit): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const name of Object.keys(kit.request.headers)) {
    const values = kit.request.headerValues(name)
    if (values.length > 0) out[name] = values.length === 1 ? values[0]! : [...values]
  }
  return out
}

/** kong.request.get_body: the parsed arguments, or Kong's error (whose text the plugin tests for "content type"). */
async function bodyArgs(kit: Kit): Promise<{ args: unknown } | { err: string }> {
  const ct = kit.request.header('content-type')
  if (ct === undefined) return { err: 'missing content type' }
  const kind = bodyKind(ct)
  if (kind === undefined) return { err: `unsupported content type '${ct}'` }
  const text = (await kit.request.body()).toString('utf8')
  if (kind === 'form') return { args: argsObject(decodeArgs(text)) }
  if (kind === 'multipart') {
    const boundary = boundaryOf(ct)
    return boundary ? { args: parseMultipart(text, boundary) } : { err: 'unable to parse multipart body' }
  }
  try {
    const v: unknown = JSON.parse(text)
    return v !== null && typeof v === 'object' ? { args: v } : { err: 'invalid json body' }
  } catch {
    return { err: 'invalid json body' }
  }
}

/** The fields asked for by forward_request_*. */
async function forwarded(kit: Kit, conf: AwsLambdaConfig, log: PluginLog): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {}
  if (conf.forward_request_method) out.request_method = kit.request.method
  if (conf.forward_request_headers) out.request_headers = headerTable(kit)
  if (conf.forward_request_uri) {
    const q = kit.request.rawQuery
    out.request_uri = q === '' ? kit.request.path : `${kit.request.path}?${q}`
    out.request_uri_args = queryArgs(kit)
  }
  if (conf.forward_request_body) {
    const ct = kit.request.header('content-type')
    const raw = await rawBody(kit, conf.skip_large_bodies, log)
    let body: string | undefined = raw?.toString('utf8')
    const parsed = await bodyArgs(kit)
    let args: unknown
    if ('args' in parsed) args = parsed.args
    else if (parsed.err.includes('content type')) {
      args = {}
      if (!(ct !== undefined && RAW_CONTENT_TYPES.has(ct)) && conf.base64_encode_body) {
        // A body of a type Kong does not know: base64, just in case (nginx encodes nil as '').
        body = (raw ?? Buffer.alloc(0)).toString('base64')
        out.request_body_base64 = true
      }
    }
    if (body !== undefined) out.request_body = body
    if (args !== undefined) out.request_body_args = args
  }
  return out
}

/** The old payload: the query's arguments, then the body's on top (a JSON array body alone stays an array). */
async function merged(kit: Kit): Promise<unknown> {
  const query: Record<string, unknown> = queryArgs(kit)
  const parsed = await bodyArgs(kit)
  if (!('args' in parsed)) return query
  const args = parsed.args
  if (Array.isArray(args)) {
    if (Object.keys(query).length === 0) return args
    // A Lua table with both: the array's items under their (1-based) indices.
    args.forEach((v, i) => (query[String(i + 1)] = v))
    return query
  }
  return Object.assign(query, args as Record<string, unknown>)
}

/** The payload as JSON text. `event` builds the API Gateway event (event.ts). */
export async function buildPayload(kit: Kit, conf: AwsLambdaConfig, log: PluginLog, event: (kit: Kit, body: Buffer | undefined) => unknown): Promise<string> {
  if (conf.awsgateway_compatible) return cjsonEncode(event(kit, await rawBody(kit, conf.skip_large_bodies, log)))
  if (conf.forward_request_body || conf.forward_request_headers || conf.forward_request_method || conf.forward_request_uri)
    return cjsonEncode(await forwarded(kit, conf, log))
  return cjsonEncode(await merged(kit))
}
