/**
 * The request path as Kong's router sees it (kong/tools/uri.lua): non-reserved
 * percent-escapes decoded, reserved ones upper-cased, dot segments removed,
 * `//` merged. The router matches on it and the upstream path is built from it,
 * so `/%78`, `/./x`, `//x` and `/y/../x` all reach the route of `/x` and only it.
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
