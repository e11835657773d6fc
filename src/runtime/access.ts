/**
 * Steps shared by plain requests (handle.ts) and upgrades (upgrade.ts): reading
 * the request target, and running the access plugins of a matched route.
 */
import type { IncomingMessage } from 'node:http'
import type { RouteMatch } from '../compile/router.js'
import type { AccessContext, Exit } from '../plugins/types.js'
import type { PluginInstance } from './runtime.js'

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

export interface AccessInput {
  req: IncomingMessage
  target: RequestTarget
  match: RouteMatch
  scheme: 'http' | 'https'
  port: number
  clientIp: string
}

/**
 * Runs the chain in order; the first Exit wins. A handler that throws is a bug
 * in the plugin: the request gets Kong's 500, the process carries on.
 */
export function runAccess(chain: readonly PluginInstance[], input: AccessInput): Exit | undefined {
  if (chain.length === 0) return undefined
  const { req, target, match } = input
  const ctx: AccessContext = {
    request: {
      method: req.method ?? 'GET',
      path: target.rawPath,
      query: new URLSearchParams(target.query.slice(1)),
      headers: req.headers,
      scheme: input.scheme,
      host: hostWithoutPort(req.headers.host ?? ''),
      port: input.port,
      clientIp: input.clientIp,
      uriCaptures: match.captures,
    },
    route: { id: match.route.id, name: match.route.name },
    service: match.service ? { id: match.service.id, name: match.service.name } : undefined,
  }
  for (const { plugin, handler } of chain) {
    try {
      const out = handler.access?.(ctx, plugin.config)
      if (out) return out
    } catch {
      return { status: 500, error: 'An unexpected error occurred' }
    }
  }
  return undefined
}
