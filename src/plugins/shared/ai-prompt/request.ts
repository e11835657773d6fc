/**
 * The request body as Kong's AI plugins share it within one request
 * (kong/llm/plugin/ctx.lua, shared-filters/parse-request.lua, and the PDK's
 * kong.request.get_body / kong.service.request.set_raw_body):
 *
 * - the raw body: a plugin that rewrites it (ngx.req.set_body_data in Kong)
 *   changes what every later plugin reads, not only what goes upstream;
 * - the parsed body "in use" and who set it: parse-request sets it once per
 *   request, a plugin that decorates it replaces it, and later filters read
 *   the latest one (ai-prompt-guard checks what ai-prompt-decorator built);
 * - the filters already run (Kong's ai_executed_filters): parse-request runs
 *   once per request, with the options of the first plugin that runs it;
 * - each filter's outputs (Kong's ai_namespaced_ctx), for later AI plugins.
 *
 * Kept in the request's shared record under symbols, so Lua's kong.ctx.shared
 * never sees them.
 */
import type { Kit } from '../../types.js'
import { bodyKind, boundaryOf, parseMultipart } from '../body.js'
import { argsObject, decodeArgs } from '../../../http/args.js'

/** A body as cjson decodes it: a JSON object or array (Kong: any table). */
export type BodyTable = Record<string, unknown> | unknown[]

interface AiRequest {
  /** Bytes an AI plugin set as the body; later plugins read these. */
  body: Buffer | undefined
  executed: Set<string>
  inUse: { table: BodyTable; source: string } | undefined
  namespaced: Record<string, Record<string, unknown>>
}

const STATE = Symbol.for('kong.ai.request')

function state(kit: Kit): AiRequest {
  const shared = kit.shared as Record<string | symbol, unknown>
  let s = shared[STATE] as AiRequest | undefined
  if (s === undefined) shared[STATE] = s = { body: undefined, executed: new Set(), inUse: undefined, namespaced: {} }
  return s
}

/**
 * nginx's client_body_buffer_size under Kong (8k): a body up to this size is
 * in memory and always readable; a longer one is in a temporary file, which
 * get_raw_body(max) reads only up to `max` bytes (max_request_body_size).
 */
export const CLIENT_BODY_BUFFER = 8 * 1024

/**
 * kong.request.get_raw_body(max): the body as this request's plugins see it
 * now, or undefined when it is longer than both the client body buffer and
 * `max` (Kong's "request body file too big"). A body an earlier plugin set is
 * in memory, whatever its size.
 */
export async function rawBody(kit: Kit, max: number): Promise<Buffer | undefined> {
  const s = state(kit)
  if (s.body !== undefined) return s.body
  const limit = Math.max(CLIENT_BODY_BUFFER, max)
  // A declared length past the limit is refused without reading (the body then streams upstream).
  const declared = Number(kit.request.header('content-length'))
  if (Number.isFinite(declared) && declared > limit) return undefined
  const body = await kit.request.body()
  return body.length > limit ? undefined : body
}

/** kong.service.request.set_raw_body: the upstream gets `body`, and later plugins read it. */
export function setRawBody(kit: Kit, body: string | Buffer): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
  state(kit).body = bytes
  kit.upstream.setBody(bytes)
}

/**
 * kong.request.get_body(content_type, nil, max): the body's fields when the
 * media type is one Kong decodes (form, JSON, multipart) and the body reads as
 * one; JSON must be an object or an array (a cjson table). Undefined otherwise.
 */
export async function bodyTable(kit: Kit, contentType: string, max: number): Promise<BodyTable | undefined> {
  const kind = bodyKind(contentType)
  if (kind === undefined) return undefined
  const raw = await rawBody(kit, max)
  if (raw === undefined) return undefined
  const text = raw.toString('utf8')
  if (kind === 'json') return decodeJson(text)
  if (kind === 'form') return argsObject(decodeArgs(text))
  const boundary = boundaryOf(contentType)
  return boundary === undefined ? undefined : parseMultipart(text, boundary)
}

/** cjson.decode of a body: a table, or undefined (invalid JSON, or a scalar). */
export function decodeJson(text: string): BodyTable | undefined {
  try {
    const v: unknown = JSON.parse(text)
    return v !== null && typeof v === 'object' ? (v as BodyTable) : undefined
  } catch {
    return undefined
  }
}

/** Kong's parse-request filter options: the first plugin that runs it gives them. */
export interface ParseOptions {
  readonly max_request_body_size: number
}

/**
 * Kong's parse-request filter, once per request: reads the body by the
 * request's Content-Type (application/json when absent) and, when it decodes,
 * makes it the body in use. A body that does not decode leaves none (the
 * filters after it then see an empty table).
 */
export async function parseRequest(kit: Kit, conf: ParseOptions): Promise<void> {
  const s = state(kit)
  if (s.executed.has('parse-request')) return
  s.executed.add('parse-request')
  const contentType = kit.request.header('content-type') ?? 'application/json'
  const table = await bodyTable(kit, contentType, conf.max_request_body_size)
  if (table === undefined) return
  setOutput(kit, 'parse-request', 'request_body_table', table)
  setBodyInUse(kit, table, 'parse-request')
}

/** The body in use and who set it (Kong's get_request_body_table_inuse): an empty table from "none" when nothing did. */
export function bodyInUse(kit: Kit): { table: BodyTable; source: string } {
  return state(kit).inUse ?? { table: {}, source: 'none' }
}

export function setBodyInUse(kit: Kit, table: BodyTable, source: string): void {
  state(kit).inUse = { table, source }
}

/** A filter's output for later AI plugins (Kong's namespaced ctx, e.g. decorate-prompt.decorated). */
export function setOutput(kit: Kit, filter: string, key: string, value: unknown): void {
  const ns = state(kit).namespaced
  ;(ns[filter] ??= {})[key] = value
}

export function output(kit: Kit, filter: string, key: string): unknown {
  return state(kit).namespaced[filter]?.[key]
}
