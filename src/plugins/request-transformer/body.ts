/**
 * request-transformer's body edits, per Kong's access.lua: JSON objects,
 * form-urlencoded and multipart/form-data (text fields set, file parts kept
 * byte for byte). Values arrive already rendered.
 */
import { appendValue, truthy } from '../shared/lua-values.js'

export type BodyType = 'json' | 'multipart' | 'form'

/** Kong's get_content_type: a substring test, JSON first. */
export function bodyType(contentType: string | undefined): BodyType | undefined {
  if (contentType === undefined) return undefined
  const ct = contentType.toLowerCase()
  if (ct.includes('application/json')) return 'json'
  if (ct.includes('multipart/form-data')) return 'multipart'
  if (ct.includes('application/x-www-form-urlencoded')) return 'form'
  return undefined
}

export interface BodyOps {
  remove: readonly string[]
  rename: readonly (readonly [string, string])[]
  replace: readonly (readonly [string, string])[]
  add: readonly (readonly [string, string])[]
  append: readonly (readonly [string, string])[]
}

type Lua = unknown

/** The key/value edits shared by JSON and form bodies, in Kong's order. */
function edit(params: Map<string, Lua>, ops: BodyOps, hasContent: boolean, addMissing: (v: Lua) => boolean): boolean {
  let changed = false
  if (hasContent) {
    for (const name of ops.remove) {
      params.delete(name)
      changed = true
    }
    for (const [from, to] of ops.rename) {
      const v = params.get(from)
      if (from === to || !truthy(v)) continue
      params.delete(from)
      params.set(to, v)
      changed = true
    }
    for (const [name, value] of ops.replace) {
      if (!truthy(params.get(name))) continue
      params.set(name, value)
      changed = true
    }
  }
  for (const [name, value] of ops.add) {
    if (!addMissing(params.get(name))) continue
    params.set(name, value)
    changed = true
  }
  for (const [name, value] of ops.append) {
    params.set(name, appendValue(params.get(name), value))
    changed = true
  }
  return changed
}

/** The new JSON body, or undefined when Kong leaves it alone (unparseable, not an object, nothing done). */
export function transformJson(body: Buffer, ops: BodyOps): string | undefined {
  const text = body.toString('utf8')
  let params = new Map<string, Lua>()
  if (text.length > 0) {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      return undefined
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined
    params = new Map(Object.entries(parsed))
  }
  if (!edit(params, ops, text.length > 0, (v) => !truthy(v))) return undefined
  return JSON.stringify(Object.fromEntries(params))
}

// ngx.decode_args: `a` alone is true, repeated keys make a list, `+` is a space.
function decodeComponent(s: string): string {
  const plus = s.replaceAll('+', ' ')
  try {
    return decodeURIComponent(plus)
  } catch {
    return plus
  }
}

/** ngx.decode_args over a query string or form body. */
export function decodeArgs(text: string): Map<string, Lua> {
  const out = new Map<string, Lua>()
  for (const part of text.split('&')) {
    if (part === '') continue
    const eq = part.indexOf('=')
    const key = decodeComponent(eq === -1 ? part : part.slice(0, eq))
    const value: string | true = eq === -1 ? true : decodeComponent(part.slice(eq + 1))
    const prev = out.get(key)
    out.set(key, prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value])
  }
  return out
}

// ngx.escape_uri: everything but unreserved characters is percent-encoded.
const escapeUri = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

/** ngx.encode_args. */
export function encodeArgs(params: Map<string, Lua> | Iterable<[string, Lua]>): string {
  const parts: string[] = []
  for (const [k, v] of params) {
    for (const one of Array.isArray(v) ? v : [v]) {
      if (one === true) parts.push(escapeUri(k))
      else if (one !== false && one !== undefined && one !== null) parts.push(`${escapeUri(k)}=${escapeUri(String(one))}`)
    }
  }
  return parts.join('&')
}

/** Form body params, as Kong reads them (also used to copy a body into the query). */
export function formParams(body: Buffer): Map<string, Lua> {
  return decodeArgs(body.toString('utf8'))
}

export function transformForm(body: Buffer, ops: BodyOps): string | undefined {
  const params = formParams(body)
  if (!edit(params, ops, body.length > 0, (v) => v === undefined)) return undefined
  return encodeArgs(params)
}

// --- multipart/form-data --------------------------------------------------
// Parts are kept as latin1 strings so file bytes survive untouched.

interface Part {
  name: string | undefined
  head: string
  value: string
}

function boundaryOf(contentType: string): string | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType)
  return m?.[1] ?? m?.[2]
}

function parseParts(s: string, boundary: string): Part[] {
  const delim = `--${boundary}`
  const parts: Part[] = []
  let pos = s.indexOf(delim)
  while (pos !== -1) {
    pos += delim.length
    if (s.startsWith('--', pos)) break
    if (s.startsWith('\r\n', pos)) pos += 2
    const next = s.indexOf(`\r\n${delim}`, pos)
    if (next === -1) break
    const raw = s.slice(pos, next)
    const sep = raw.indexOf('\r\n\r\n')
    const head = sep === -1 ? raw : raw.slice(0, sep)
    const name = /content-disposition:[^\r\n]*?\bname="([^"]*)"/i.exec(head)?.[1]
    parts.push({ name, head, value: sep === -1 ? '' : raw.slice(sep + 4) })
    pos = next + 2
  }
  return parts
}

const latin1 = (utf8: string) => Buffer.from(utf8, 'utf8').toString('latin1')

/** lua-multipart's set_simple: replaces the part of that name in place, or adds one at the end. */
function setSimple(parts: Part[], name: string, value: string): void {
  const part: Part = { name, head: `Content-Disposition: form-data; name="${latin1(name)}"`, value: latin1(value) }
  const at = parts.findIndex((p) => p.name === latin1(name))
  if (at === -1) parts.push(part)
  else parts[at] = part
}

function removeParts(parts: Part[], name: string): void {
  const key = latin1(name)
  for (let i = parts.length - 1; i >= 0; i--) if (parts[i]!.name === key) parts.splice(i, 1)
}

/** Kong's multipart order: rename, remove, replace, add (there is no append). */
export function transformMultipart(body: Buffer, contentType: string, ops: BodyOps): Buffer | undefined {
  const boundary = boundaryOf(contentType)
  if (!boundary) return undefined
  const parts = parseParts(body.toString('latin1'), boundary)
  const has = (name: string) => parts.some((p) => p.name === latin1(name))
  const get = (name: string) => parts.find((p) => p.name === latin1(name))
  let changed = false
  if (body.length > 0) {
    for (const [from, to] of ops.rename) {
      const part = get(from)
      if (!part || from === to) continue
      const value = Buffer.from(part.value, 'latin1').toString('utf8')
      setSimple(parts, to, value)
      removeParts(parts, from)
      changed = true
    }
    for (const name of ops.remove) {
      removeParts(parts, name)
      changed = true
    }
    for (const [name, value] of ops.replace) {
      if (!has(name)) continue
      removeParts(parts, name)
      setSimple(parts, name, value)
      changed = true
    }
  }
  for (const [name, value] of ops.add) {
    if (has(name)) continue
    setSimple(parts, name, value)
    changed = true
  }
  if (!changed) return undefined
  const out = parts.map((p) => `--${boundary}\r\n${p.head}\r\n\r\n${p.value}\r\n`).join('') + `--${boundary}--\r\n`
  return Buffer.from(out, 'latin1')
}
