/**
 * The upstream request path: Kong's `path_handling: v0` joining of the
 * service path and what remains of the request path after strip_path. The
 * traditional_compatible router always uses v0, even for routes set to v1.
 */

/** `.` and `..` segments left after stripping become empty, as Kong sanitizes them. */
function sanitize(postfix: string): string {
  if (postfix === '.' || postfix === '..') return ''
  if (postfix.startsWith('./')) return postfix.slice(1)
  if (postfix.startsWith('../')) return postfix.slice(2)
  return postfix
}

/**
 * @param servicePath the service `path` (undefined → '/')
 * @param req the normalized request path
 * @param prefix what the route matched when strip_path is on, else '/'
 */
export function joinUpstreamPath(servicePath: string | undefined, req: string, prefix: string): string {
  const base = servicePath ?? '/'
  const strip = prefix !== '/'
  const postfix = strip ? sanitize(req.slice(prefix.length)) : ''
  const reqEndsSlash = req.endsWith('/')
  if (base.endsWith('/')) {
    if (!strip) return req === '/' ? base : base + req.slice(1)
    if (postfix === '') {
      if (base === '/') return '/'
      return reqEndsSlash ? base : base.slice(0, -1)
    }
    if (postfix.startsWith('/')) return base.slice(0, -1) + postfix
    return base + postfix
  }
  if (!strip) return req === '/' ? base : base + req
  if (postfix === '') return reqEndsSlash && req.length > 1 ? `${base}/` : base
  if (postfix.startsWith('/')) return base + postfix
  return `${base}/${postfix}`
}
