/**
 * Request bodies as fields (Kong's `kong.request.get_body`): form-urlencoded,
 * JSON objects and the text fields of multipart/form-data. Used by plugins that
 * read credentials or values from the body; the body is read only when asked.
 */
import type { Kit } from '../types.js'

export type BodyKind = 'form' | 'json' | 'multipart'

export function bodyKind(contentType: string | undefined): BodyKind | undefined {
  const ct = (contentType ?? '').toLowerCase()
  if (ct.startsWith('application/x-www-form-urlencoded')) return 'form'
  if (ct.startsWith('application/json') || /^application\/[^;]*\+json/.test(ct)) return 'json'
  if (ct.startsWith('multipart/form-data')) return 'multipart'
  return undefined
}

function boundaryOf(contentType: string): string | undefined {
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

/** Fields of the request body, or undefined when it is not a kind we read (or not an object). */
export async function readBodyFields(kit: Kit): Promise<Record<string, unknown> | undefined> {
  const ct = kit.request.header('content-type')
  const kind = bodyKind(ct)
  if (!kind) return undefined
  const text = (await kit.request.body()).toString('utf8')
  if (kind === 'form') {
    const out: Record<string, string | string[]> = {}
    for (const [k, v] of new URLSearchParams(text)) {
      const prev = out[k]
      out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
    }
    return out
  }
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
  if (kind === 'form') {
    const p = new URLSearchParams()
    for (const [k, v] of Object.entries(rest)) for (const one of Array.isArray(v) ? v : [v]) p.append(k, String(one))
    return kit.upstream.setBody(p.toString())
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
