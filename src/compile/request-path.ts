/**
 * The request path as Kong's router sees it (kong/tools/uri.lua): non-reserved
 * percent-escapes decoded, reserved ones upper-cased, dot segments removed,
 * `//` merged. The router matches on it and the upstream path is built from it,
 * so `/%78`, `/./x`, `//x` and `/y/../x` all reach the route of `/x` and only it.
 */
import { removeDotSegments } from '../config/paths.js'

// Reserved characters (RFC 3986 gen-delims and sub-delims) plus '%': their escapes stay escaped.
const RESERVED = new Set("!*'();:@&=+$,/?%#[]".split(''))
const HEX = /^[0-9A-Fa-f]{2}$/

/** The normalized path, or undefined when the path holds an invalid escape (Kong answers 400). */
export function normalizeRequestPath(raw: string): string | undefined {
  let path = raw
  if (path.includes('%')) {
    let out = ''
    let bytes: number[] = []
    const flush = () => {
      if (bytes.length === 0) return
      // Decode runs of escapes as UTF-8; a byte that is not valid UTF-8 stays escaped.
      const buf = Buffer.from(bytes)
      const text = buf.toString('utf8')
      out += text.includes('\uFFFD') ? bytes.map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('') : text
      bytes = []
    }
    for (let i = 0; i < path.length; i++) {
      const ch = path[i]!
      if (ch !== '%') {
        flush()
        out += ch
        continue
      }
      const hex = path.slice(i + 1, i + 3)
      if (!HEX.test(hex)) return undefined
      const code = parseInt(hex, 16)
      const decoded = String.fromCharCode(code)
      if (code < 0x80 && RESERVED.has(decoded)) {
        flush()
        out += `%${hex.toUpperCase()}`
      } else if (code < 0x20 || code === 0x7f) {
        // Control characters stay escaped: decoded they would break the request line upstream.
        flush()
        out += `%${hex.toUpperCase()}`
      } else {
        bytes.push(code)
      }
      i += 2
    }
    flush()
    path = out
  }
  if (path.includes('//')) path = path.replace(/\/{2,}/g, '/')
  if (path.includes('.')) path = removeDotSegments(path)
  return path === '' ? '/' : path
}

// Everything outside this set is escaped when the path is sent upstream.
const UNSAFE = /[^!#$&'()*+,/:;=?@[\]A-Za-z0-9\-_.~%]/u
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'gu')

/** Re-escapes a normalized path for the upstream request line. */
export function escapeUpstreamPath(path: string): string {
  return UNSAFE.test(path) ? path.replace(UNSAFE_ALL, (c) => encodeURIComponent(c)) : path
}
