/** Steps shared by plain requests (handle.ts) and upgrades (upgrade.ts): reading the request target. */

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
  return h.startsWith('[') ? h.slice(0, h.indexOf(']') + 1) : h.replace(/:\d+$/, '')
}
