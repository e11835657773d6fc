/**
 * Request and response bodies by kind (form, JSON, multipart), and request
 * bodies as fields (Kong's `kong.request.get_body`). Kong decides the kind two
 * ways, and each plugin keeps the one its Kong counterpart uses (see bodyKind).
 * The body is read only when asked.
 */
import type { Kit } from '../types.js'
import { decodeArgs, encodeArgs } from '../../http/args.js'

export type BodyKind = 'form' | 'json' | 'multipart'

/**
 * How Kong recognises a kind from a Content-Type:
 * - 'media-type': kong.request.get_body (kong/pdk/request.lua) — the media type
 *   (before any `;`), lower-cased, must start with application/x-www-form-urlencoded,
 *   application/json or multipart/form-data, tried in that order;
 * - 'anywhere': the transformers' own test (request-transformer's access.lua
 *   get_content_type) — the lower-cased header contains one of them anywhere,
 *   JSON first, then multipart, then form.
 */
export type KindRule = 'media-type' | 'anywhere'

const FORM = 'application/x-www-form-urlencoded'
const JSON_TYPE = 'application/json'
const MULTIPART = 'multipart/form-data'

export function bodyKind(contentType: string | undefined, rule: KindRule = 'media-type'): BodyKind | undefined {
  if (contentType === undefined) return undefined
  const ct = contentType.toLowerCase()
  if (rule === 'anywhere') {
    if (ct.includes(JSON_TYPE)) return 'json'
    if (ct.includes(MULTIPART)) return 'multipart'
    if (ct.includes(FORM)) return 'form'
    return undefined
  }
  const semi = ct.indexOf(';')
  const media = semi === -1 ? ct : ct.slice(0, semi)
  if (media.startsWith(FORM)) return 'form'
  if (media.startsWith(JSON_TYPE)) return 'json'
  if (media.startsWith(MULTIPART)) return 'multipart'
  return undefined
}

/** The multipart boundary parameter, quoted or not. */
export function boundaryOf(contentType: string): string | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType)
  return m?.[1] ?? m?.[2]
}

/** The text fields of a multipart/form-data body (files are skipped). */
export function parseMultipart(body: string, boundary: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const part of body.split(`--${boundary}`)) {
    const sep = part.indexOf('\r\n\r\n')
    if (sep === -1) continue
    const head = part.slice(0, sep)
    const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(head)?.[1]
    if (name === undefined || /\bfilename=/i.test(head)) continue
    const value = part.slice(sep + 4).replace(/\r\n$/, '')
    const prev = out[name]
    out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value]
  }
  return out
}

/**
 * Fields of the request body (kong.request.get_body), or undefined when it is
 * not a kind Kong reads, or not an object. A form is read as get_post_args
 * reads it: a bare name is `true`.
 */
export async function readBodyFields(kit: Kit): Promise<Record<string, unknown> | undefined> {
  const ct = kit.request.header('content-type')
  const kind = bodyKind(ct)
  if (!kind) return undefined
  const text = (await kit.request.body()).toString('utf8')
  if (kind === 'form') return Object.fromEntries(decodeArgs(text))
  if (kind === 'json') {
    try {
      const v: unknown = JSON.parse(text)
      return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
    } catch {
      return undefined
    }
  }
  const boundary = boundaryOf(ct ?? '')
  return boundary ? parseMultipart(text, boundary) : undefined
}

/** Re-encodes `fields` without `name` as the upstream body, in the request's own format. */
export function writeBodyWithout(kit: Kit, fields: Record<string, unknown>, name: string): void {
  const rest = { ...fields }
  delete rest[name]
  const ct = kit.request.header('content-type') ?? ''
  const kind = bodyKind(ct)
  if (kind === 'json') return kit.upstream.setBody(JSON.stringify(rest))
  // kong.service.request.set_body: each field through ngx.encode_args, the pieces sorted.
  if (kind === 'form') {
    const pieces = Object.entries(rest).map((field) => encodeArgs([field]))
    return kit.upstream.setBody(
      pieces
        .filter((p) => p !== '')
        .sort()
        .join('&'),
    )
  }
  if (kind === 'multipart') {
    const boundary = boundaryOf(ct) ?? 'gateway'
    const parts: string[] = []
    for (const [k, v] of Object.entries(rest)) {
      for (const one of Array.isArray(v) ? v : [v]) parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${String(one)}\r\n`)
    }
    kit.upstream.setBody(`${parts.join('')}--${boundary}--\r\n`)
  }
}
