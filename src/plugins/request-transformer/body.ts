/**
 * request-transformer's body edits, per Kong's access.lua: JSON objects,
 * form-urlencoded and multipart/form-data (text fields set, file parts kept
 * byte for byte). Values arrive already rendered.
 */
import { decodeArgs, encodeArgs } from '../../http/args.js'
import { boundaryOf } from '../shared/body.js'
import { appendValue, truthy } from '../shared/lua-values.js'

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

/** Form body params, as Kong reads them (ngx.decode_args; also used to copy a body into the query). */
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
