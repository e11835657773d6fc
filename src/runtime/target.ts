/**
 * The request target: split into path and query, and the path as Kong's router
 * sees it (kong/tools/uri.lua): non-reserved percent-escapes decoded, reserved
 * ones upper-cased, dot segments removed, `//` merged. The router matches on it
 * and the upstream path is built from it, so `/%78`, `/./x`, `//x` and
 * `/y/../x` all reach the route of `/x` and only it.
 */
import { normalizePath } from '../config/paths.js'

/** The normalized path, or undefined when the path holds an invalid escape (Kong answers 400). */
export function normalizeRequestPath(raw: string): string | undefined {
  const merged = raw.includes('//') ? raw.replace(/\/{2,}/g, '/') : raw
  const path = normalizePath(merged)
  return path === '' ? '/' : path
}

// Everything outside this set is escaped when the path is sent upstream.
const UNSAFE = /[^!#$&'()*+,/:;=?@[\]A-Za-z0-9\-_.~%]/u
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'gu')

/** Re-escapes a normalized path for the upstream request line. */
export function escapeUpstreamPath(path: string): string {
  return UNSAFE.test(path) ? path.replace(UNSAFE_ALL, (c) => encodeURIComponent(c)) : path
}

export interface RequestTarget {
  /** The path as sent, without the query. */
  rawPath: string
  /** `?...` verbatim, or ''. */
  query: string
}

/** Splits the request target; absolute-form targets keep only their path. Undefined: not a valid target (400). */
export function splitRequestTarget(rawUrl: string): RequestTarget | undefined {
  const q = rawUrl.indexOf('?')
  let rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q)
  const query = q === -1 ? '' : rawUrl.slice(q)
  if (!rawPath.startsWith('/')) {
    const m = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/.*)?$/i.exec(rawPath)
    if (!m) return undefined
    rawPath = m[1] ?? '/'
  }
  return { rawPath, query }
}

/** `Host` without its port, lower-cased (nginx's $host). */
export function hostWithoutPort(host: string): string {
  const h = host.toLowerCase()
  if (h.charCodeAt(0) === 0x5b /* [ */) return h.slice(0, h.indexOf(']') + 1)
  const colon = h.lastIndexOf(':')
  if (colon === -1) return h
  for (let i = colon + 1; i < h.length; i++) {
    const c = h.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return h
  }
  return colon + 1 < h.length ? h.slice(0, colon) : h
}
