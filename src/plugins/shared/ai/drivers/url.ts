/** Kong's reading of an upstream URL (luasocket's url.parse as the drivers use it). */
import type { Endpoint, Result } from './types.js'

/**
 * A URL as the drivers take it: the scheme decides TLS; a missing port is 443
 * whatever the scheme (the drivers' `tonumber(port) or 443`); the path is
 * `/` when empty, with leading slashes folded into one.
 */
export function endpointOf(url: string, path?: string): Result<Endpoint> {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return { error: `invalid upstream url '${url}'` }
  }
  const scheme = u.protocol === 'http:' ? 'http' : u.protocol === 'https:' ? 'https' : undefined
  if (!scheme) return { error: `unsupported scheme in upstream url '${url}'` }
  // URL drops a port that is the scheme's default: read it back from the text.
  const explicit = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/?#]*):(\d+)/i.exec(url)?.[1]
  const port = explicit !== undefined ? Number(explicit) : 443
  const p = path ?? decodeURIComponent(u.pathname)
  return { ok: { scheme, host: u.hostname.replace(/^\[|\]$/g, ''), port, path: slashed(p) } }
}

/** Kong's `gsub(path, "^/*", "/")`. */
export function slashed(path: string): string {
  return path.replace(/^\/*/, '/')
}

/** A provider's endpoint: `upstream_url` when set, else its origin with `upstream_path` or the route type's path. */
export function providerEndpoint(
  origin: string,
  paths: Readonly<Record<string, string>>,
  options: { upstream_url?: string | undefined; upstream_path?: string | undefined } | undefined,
  routeType: string,
): Result<Endpoint> {
  if (options?.upstream_url !== undefined) return endpointOf(options.upstream_url)
  return endpointOf(origin, options?.upstream_path ?? (routeType === 'preserve' ? '/' : paths[routeType]))
}
