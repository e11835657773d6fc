/**
 * Query strings and form bodies as Kong reads and writes them: nginx's Lua
 * module parses both the same way (ngx.decode_args, ngx.req.get_uri_args
 * behind kong.request.get_query, ngx.req.get_post_args behind get_body) and
 * ngx.encode_args writes them. Every plugin that reads arguments goes through
 * here, so they all agree on `+`, bad escapes, bare keys and the cap.
 */

/** One argument: a string, `true` for a bare `?flag`, or the list of a repeated name. */
export type ArgValue = string | true | (string | true)[]

/** lua_max_uri_args / lua_max_post_args / decode_args' default: arguments past this are dropped. */
export const MAX_ARGS = 100

const ESCAPES = /(?:%[0-9A-Fa-f]{2})+/g

/**
 * ngx_http_lua_unescape_uri for a component: `+` is a space, `%XX` is a byte,
 * a `%` not followed by two hex digits stays as written (decodeURIComponent
 * would refuse the whole string). Bytes are read as UTF-8.
 */
export function unescapeArg(s: string): string {
  const spaced = s.includes('+') ? s.replaceAll('+', ' ') : s
  if (!spaced.includes('%')) return spaced
  // A run of escapes is decoded together so that multi-byte characters come out whole.
  return spaced.replace(ESCAPES, (run) => Buffer.from(run.replaceAll('%', ''), 'hex').toString('utf8'))
}

/**
 * Kong's argument table: `a=1&b&a=2` → a: ['1', '2'], b: true. Pairs with an
 * empty name are skipped and at most `max` arguments are read, as nginx does.
 * A Map, so that names like `__proto__` or `toString` are plain names.
 */
export function decodeArgs(text: string, max: number = MAX_ARGS): Map<string, ArgValue> {
  return readArgs(text, max).args
}

/**
 * decodeArgs, and whether arguments past `max` were dropped: what
 * ngx.req.get_uri_args and get_post_args report as "truncated" (and Kong
 * logs), for the Lua PDK.
 */
export function readArgs(text: string, max: number = MAX_ARGS): { args: Map<string, ArgValue>; truncated: boolean } {
  const out = new Map<string, ArgValue>()
  if (text === '') return { args: out, truncated: false }
  let n = 0
  for (const part of text.split('&')) {
    if (part === '') continue
    const eq = part.indexOf('=')
    const name = unescapeArg(eq === -1 ? part : part.slice(0, eq))
    if (name === '') continue
    if (max > 0 && ++n > max) return { args: out, truncated: true }
    const value: string | true = eq === -1 ? true : unescapeArg(part.slice(eq + 1))
    const prev = out.get(name)
    if (prev === undefined) out.set(name, value)
    else if (Array.isArray(prev)) prev.push(value)
    else out.set(name, [prev, value])
  }
  return { args: out, truncated: false }
}

/** The same table as a plain object (for JSON documents: the echo, the log record, Lua). */
export function argsObject(args: Map<string, ArgValue>): Record<string, ArgValue> {
  return Object.fromEntries(args)
}

// ngx.escape_uri for a component: everything but unreserved characters is percent-encoded.
const escapeArg = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

/**
 * ngx.encode_args: `true` is a bare name, false/nil are left out, a list repeats
 * the name; names and values are percent-encoded (a space is %20).
 */
export function encodeArgs(args: Iterable<readonly [string, unknown]>): string {
  const parts: string[] = []
  for (const [name, v] of args) {
    for (const one of Array.isArray(v) ? v : [v]) {
      if (one === true) parts.push(escapeArg(name))
      else if (one !== false && one !== undefined && one !== null) parts.push(`${escapeArg(name)}=${escapeArg(String(one))}`)
    }
  }
  return parts.join('&')
}
