/**
 * Origin parsing and matching as Kong's cors handler does it: luasocket's
 * `url.parse` (not WHATWG), default ports dropped, and Kong's rules for telling
 * a plain origin from a regex.
 */

export interface ParsedUrl {
  scheme?: string
  host?: string
  port?: string
}

/** luasocket's url.parse, reduced to the parts cors reads (scheme, host, port). */
export function parseUrl(url: string): ParsedUrl {
  const out: ParsedUrl = {}
  let rest = url
  const hash = rest.indexOf('#')
  if (hash !== -1) rest = rest.slice(0, hash)
  const scheme = /^([A-Za-z0-9][A-Za-z0-9+.-]*):/.exec(rest)
  if (scheme) {
    out.scheme = scheme[1]!
    rest = rest.slice(scheme[0].length)
  }
  const authority = /^\/\/([^/]*)/.exec(rest)
  if (!authority) return out
  let auth = authority[1]!.replace(/^[^@]*@/, '')
  const port = /:([^:\]]*)$/.exec(auth)
  if (port) {
    out.port = port[1]!
    auth = auth.slice(0, port.index)
  }
  if (auth !== '') out.host = /^\[(.+)\]$/.exec(auth)?.[1] ?? auth
  return out
}

export interface NormalizedOrigin {
  /** scheme://host[:port], the default port dropped (or the input as is when it has no host). */
  domain: string
  host: string
}

export function normalizeOrigin(origin: string): NormalizedOrigin {
  const p = parseUrl(origin)
  if (p.host === undefined) return { domain: origin, host: origin }
  let port = p.port
  if ((p.scheme === 'http' && port === '80') || (p.scheme === 'https' && port === '443')) port = undefined
  return { domain: (p.scheme !== undefined ? `${p.scheme}://` : '') + p.host + (port !== undefined ? `:${port}` : ''), host: p.host }
}

/** Only these characters: Kong treats the entry as a plain origin, anything else as a regex. */
export const PLAIN_ORIGIN = /^[A-Za-z0-9.:/-]+$/
const HAS_REGEX_CHAR = /[^A-Za-z0-9.:/-]/

export type OriginMatcher = { kind: 'regex'; regex: RegExp; byHost: boolean } | { kind: 'plain'; domain: string }

/**
 * One configured origin, compiled. A regex is anchored at both ends as Kong
 * does it: a missing trailing `$` is added, a leading `^` dropped, and the match
 * is anchored at the start. It is tested against the request's host when the
 * entry has no `:`, else against the normalized scheme://host[:port].
 */
export function compileOrigin(entry: string): OriginMatcher {
  if (!HAS_REGEX_CHAR.test(entry)) return { kind: 'plain', domain: normalizeOrigin(entry).domain }
  let source = entry.endsWith('$') ? entry : `${entry}$`
  if (source.startsWith('^')) source = source.slice(1)
  return { kind: 'regex', regex: new RegExp(`^(?:${source})`), byHost: !source.includes(':') }
}

export function matches(m: OriginMatcher, origin: NormalizedOrigin): boolean {
  if (m.kind === 'plain') return m.domain === origin.domain
  return m.regex.test(m.byHost ? origin.host : origin.domain)
}
