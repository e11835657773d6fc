/**
 * response-transformer: headers in headerFilter (remove → rename → replace →
 * add → append), top-level JSON keys in bodyFilter when the response is
 * application/json. Values and their JSON types are computed once, here.
 */
import { definePhases, type Kit, type PluginPhases } from '../types.js'
import type { ResponseTransformerConfig } from './schema.js'
import { appendValue, truthy } from '../shared/lua-values.js'

interface Pair {
  name: string
  /** Undefined for an empty value (Kong's nil). */
  value: string | undefined
}

function split(entry: string): Pair {
  const m = /^([^:]+):*([\s\S]*)$/.exec(entry)
  if (!m) return { name: entry, value: undefined }
  return { name: m[1]!, value: m[2] === '' ? undefined : m[2] }
}

/** Lua's tonumber on a string: decimal or hex, surrounding spaces allowed; undefined when not a number. */
function luaNumber(s: string): number | undefined {
  const t = s.trim()
  if (/^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(t)) return Number(t)
  const hex = /^([-+]?)0[xX]([0-9a-fA-F]+)$/.exec(t)
  if (hex) return (hex[1] === '-' ? -1 : 1) * parseInt(hex[2]!, 16)
  return undefined
}

/**
 * Kong's json_value: the value as cjson encodes it, unquoted (so `\` and control
 * characters stay escaped), then cast to its json_types entry.
 */
function jsonValue(value: string | undefined, type: string | undefined): unknown {
  const v = value === undefined ? 'null' : JSON.stringify(value).slice(1, -1).replaceAll('\\"', '"')
  if (type === 'number') return luaNumber(v)
  if (type === 'boolean') return v === 'true'
  return v
}

// RFC 2045's media type, as Kong's kong.tools.mime_type parses it: the whole value must parse.
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+"
// A quoted value: any byte but controls and `"`, or a backslash pair (lpeg's qdtext / quoted-pair).
const QUOTED = String.raw`"(?:[^"\x00-\x1f\x7f]|\\[\x00-\x7f])*"`
const MEDIA_TYPE = new RegExp(String.raw`^(${TOKEN})/(${TOKEN})(?:[ \t]*;[ \t]*${TOKEN}=(?:${TOKEN}|${QUOTED}))*$`)

/**
 * Kong's is_json_body: one of the comma-separated media types is
 * application/json or application/<anything>+json (`application/problem+json`).
 */
function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false
  for (const part of contentType.split(',')) {
    const m = MEDIA_TYPE.exec(part.trim())
    if (!m || m[1]!.toLowerCase() !== 'application') continue
    const subtype = m[2]!.toLowerCase()
    if (subtype === 'json' || subtype.endsWith('+json')) return true
  }
  return false
}

const headerValue = (v: string | string[] | number): string | string[] => (typeof v === 'number' ? String(v) : v)

export default definePhases<ResponseTransformerConfig>((conf, env) => {
  const h = {
    // Kong reads every entry as name:value, so `h1:v1` removes h1.
    remove: conf.remove.headers.map((e) => split(e).name),
    rename: conf.rename.headers.map(split),
    replace: conf.replace.headers.map(split),
    add: conf.add.headers.map(split),
    append: conf.append.headers.map(split),
  }
  const typed = (entries: readonly string[], types: readonly string[]) =>
    entries.map((e, i) => {
      const p = split(e)
      return { name: p.name, value: jsonValue(p.value, types[i]) }
    })
  const j = {
    remove: conf.remove.json.map((e) => split(e).name),
    rename: conf.rename.json.map(split),
    replace: typed(conf.replace.json, conf.replace.json_types),
    add: typed(conf.add.json, conf.add.json_types),
    append: typed(conf.append.json, conf.append.json_types),
  }
  const editsJson = Object.values(j).some((l) => l.length > 0)

  const headerFilter = (kit: Kit) => {
    const r = kit.response
    // Kong tests presence against the headers as they were before this plugin ran.
    const before = { ...r.headers }
    const was = (name: string) => before[name.toLowerCase()]
    for (const name of h.remove) r.clearHeader(name)
    for (const { name, value } of h.rename) {
      const v = was(name)
      if (v === undefined || value === undefined) continue
      r.setHeader(value, headerValue(v))
      r.clearHeader(name)
    }
    for (const { name, value } of h.replace) if (value !== undefined && was(name) !== undefined) r.setHeader(name, value)
    for (const { name, value } of h.add) if (value !== undefined && was(name) === undefined) r.setHeader(name, value)
    for (const { name, value } of h.append) if (value !== undefined) r.addHeader(name, value)
    // Not JSON: the body filter has nothing to do, so the response can stream.
    if (!isJson(r.header('content-type'))) r.skipBody()
  }

  const bodyFilter = (kit: Kit, body: Buffer): Buffer | string => {
    if (!isJson(kit.response.header('content-type'))) return body
    let json: unknown
    try {
      json = JSON.parse(body.toString('utf8'))
    } catch {
      env.log.warn('body transform failed: failed parsing json body')
      return body
    }
    // Only a JSON object has top-level keys to edit.
    if (json === null || typeof json !== 'object' || Array.isArray(json)) return body
    const o = json as Record<string, unknown>
    for (const name of j.remove) delete o[name]
    for (const { name, value } of j.rename) {
      if (o[name] === undefined || value === undefined) continue
      const v = o[name]
      o[value] = v
      delete o[name]
    }
    for (const { name, value } of j.replace) if (truthy(o[name]) && value !== undefined) o[name] = value
    for (const { name, value } of j.add) if (!truthy(o[name]) && value !== undefined) o[name] = value
    for (const { name, value } of j.append) if (value !== undefined) o[name] = appendValue(o[name], value)
    return JSON.stringify(o)
  }

  // Without JSON edits there is no bodyFilter, so responses keep streaming.
  const phases: PluginPhases = { headerFilter }
  if (editsJson) phases.bodyFilter = bodyFilter
  return phases
})
