/**
 * Path rules shared by validation and (later) the router: Kong's path
 * normalization, the regex-path prefix, and the migration of pre-3.0 paths.
 */
import { translateRustRegex } from './rust-regex.js'

const UNRESERVED_RE = /[A-Za-z0-9\-._~]/
const REGEX_META = new Set(['.', '^', '$', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '\\'])

// Reserved characters (RFC 3986 gen-delims and sub-delims) plus '%': their escapes stay escaped.
const RESERVED = new Set("!*'();:@&=+$,/?%#[]".split(''))

/**
 * Kong's path normalization, the same for route paths and request paths:
 * escapes of non-reserved characters are decoded (as UTF-8), reserved and
 * control-character escapes are kept upper-cased, dot segments are removed.
 * Returns undefined for an invalid escape. Empty segments are left alone.
 */
export function normalizePath(path: string): string | undefined {
  let out = path
  if (path.includes('%')) {
    out = ''
    let bytes: number[] = []
    const flush = () => {
      if (bytes.length === 0) return
      const text = Buffer.from(bytes).toString('utf8')
      // Bytes that are not valid UTF-8 stay escaped.
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
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined
      const code = parseInt(hex, 16)
      if ((code < 0x80 && RESERVED.has(String.fromCharCode(code))) || code < 0x20 || code === 0x7f) {
        flush()
        out += `%${hex.toUpperCase()}`
      } else bytes.push(code)
      i += 2
    }
    flush()
  }
  return out.includes('.') ? removeDotSegments(out) : out
}

/** RFC 3986 section 5.2.4. */
export function removeDotSegments(path: string): string {
  if (!path.includes('.')) return path
  const segments = path.split('/')
  const out: string[] = []
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!
    const last = i === segments.length - 1
    if (seg === '.') {
      if (last) out.push('')
      continue
    }
    if (seg === '..') {
      if (out.length > 1) out.pop()
      if (last) out.push('')
      continue
    }
    out.push(seg)
  }
  const result = out.join('/')
  return result.startsWith('/') || !path.startsWith('/') ? result : `/${result}`
}

export function isRegexPath(path: string): boolean {
  return path.startsWith('~')
}

// Pre-3.0 files: a path made only of these characters is a plain prefix.
const LEGACY_PLAIN_RE = /^[a-zA-Z0-9.\-_~/%]*$/

/**
 * Kong's migration of a `_format_version` 1.1/2.1 route path: anything that is
 * not plainly a prefix was a regex then and becomes a `~` path now.
 */
export function migrateLegacyPath(path: string): string {
  if (LEGACY_PLAIN_RE.test(path)) return path
  const body = path.replace(/%([0-9A-Fa-f]{2})/g, (m, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16))
    if (!UNRESERVED_RE.test(ch)) return m
    return REGEX_META.has(ch) ? `\\${ch}` : ch
  })
  return `~${body}`
}

/**
 * Compiles a Kong route regex (Rust `regex` syntax, see rust-regex.ts) for
 * JavaScript; returns Rust's error when Kong would refuse it.
 */
export function compileRouteRegex(source: string): RegExp | string {
  const translated = translateRustRegex(source)
  return translated.ok ? new RegExp(translated.source, translated.flags) : translated.error
}
