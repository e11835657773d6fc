/**
 * cors: answers preflights itself (unless preflight_continue) and adds the
 * CORS headers to every other response in header_filter — proxied responses,
 * plugin exits and the gateway's own errors alike.
 */
import { definePhases, type Kit } from '../types.js'
import { compileOrigin, matches, normalizeOrigin, PLAIN_ORIGIN } from './origin.js'
import type { CorsConfig } from './schema.js'

/** What configuring writes to: the preflight's headers, or the response in header_filter. */
interface HeaderTarget {
  setHeader(name: string, value: string): void
  addHeader(name: string, value: string): void
  clearHeader(name: string): void
}

const ACAO = 'access-control-allow-origin'
const ACAC = 'access-control-allow-credentials'

function recordTarget(headers: Record<string, string | string[]>): HeaderTarget {
  return {
    setHeader: (n, v) => void (headers[n] = v),
    addHeader: (n, v) => {
      const cur = headers[n]
      headers[n] = cur === undefined ? v : [...(Array.isArray(cur) ? cur : [cur]), v]
    },
    clearHeader: (n) => void delete headers[n],
  }
}

/** The request's Origin; an empty one counts as absent, as Kong's is_origin_provided has it. */
const requestOrigin = (kit: Kit): string | undefined => kit.request.headerValues('origin')[0] || undefined

export default definePhases<CorsConfig>((conf) => {
  const origins = conf.origins ?? []
  const allowAllConfigured = origins.length === 0 || (origins.length === 1 && origins[0] === '*')
  // One regex-free origin is sent as configured, whatever the request's Origin.
  const fixedOrigin = origins.length === 1 && PLAIN_ORIGIN.test(origins[0]!) ? origins[0] : undefined
  const hasStar = origins.includes('*')
  const matchers = origins.filter((o) => o !== '*').map(compileOrigin)
  const allowHeaders = conf.headers && conf.headers.length > 0 ? conf.headers.join(',') : undefined
  const allowMethods = conf.methods.join(',')
  const maxAge = conf.max_age === undefined ? undefined : String(conf.max_age)
  const exposed = conf.exposed_headers && conf.exposed_headers.length > 0 ? conf.exposed_headers.join(',') : undefined
  // Preflights this instance answered (or handed to the upstream) get no header_filter headers.
  const preflights = new WeakSet<Kit>()

  // In access Vary is set; in header_filter it is added to the upstream's.
  const vary = (to: HeaderTarget, filtering: boolean) => (filtering ? to.addHeader('vary', 'Origin') : to.setHeader('vary', 'Origin'))

  /** Sets Access-Control-Allow-Origin; true when it is `*`. */
  const configureOrigin = (to: HeaderTarget, filtering: boolean, reqOrigin: string | undefined): boolean => {
    if (allowAllConfigured) {
      to.setHeader(ACAO, '*')
      return true
    }
    vary(to, filtering)
    if (fixedOrigin !== undefined) {
      to.setHeader(ACAO, fixedOrigin)
      return false
    }
    if (reqOrigin !== undefined) {
      if (hasStar) {
        to.setHeader(ACAO, '*')
        return true
      }
      const normalized = normalizeOrigin(reqOrigin)
      for (const m of matchers) {
        if (matches(m, normalized)) {
          to.setHeader(ACAO, normalized.domain)
          return false
        }
      }
    }
    to.clearHeader(ACAO)
    return false
  }

  const configureCredentials = (to: HeaderTarget, allowAll: boolean, filtering: boolean, reqOrigin: string | undefined) => {
    if (!conf.credentials) return
    if (!allowAll) {
      to.setHeader(ACAC, 'true')
      return
    }
    // ACAC cannot be true with ACAO `*`: echo the request's Origin instead.
    if (reqOrigin !== undefined) {
      vary(to, filtering)
      to.setHeader(ACAO, reqOrigin)
      to.setHeader(ACAC, 'true')
    }
  }

  return {
    access(kit) {
      const req = kit.request
      const reqOrigin = requestOrigin(kit)
      if (req.method !== 'OPTIONS' || reqOrigin === undefined || req.headerValues('access-control-request-method').length === 0) return undefined
      preflights.add(kit)
      if (conf.preflight_continue) return undefined

      const headers: Record<string, string | string[]> = {}
      const to = recordTarget(headers)
      const allowAll = configureOrigin(to, false, reqOrigin)
      configureCredentials(to, allowAll, false, reqOrigin)
      const requested = req.headerValues('access-control-request-headers')[0]
      const allowed = allowHeaders ?? requested
      if (allowed !== undefined) headers['access-control-allow-headers'] = allowed
      headers['access-control-allow-methods'] = allowMethods
      if (maxAge !== undefined) headers['access-control-max-age'] = maxAge
      if (conf.private_network && req.headerValues('access-control-request-private-network')[0] === 'true') {
        headers['access-control-allow-private-network'] = 'true'
      }
      return { status: 200, headers }
    },

    headerFilter(kit) {
      if (preflights.has(kit)) return
      const reqOrigin = requestOrigin(kit)
      if (reqOrigin === undefined && !conf.allow_origin_absent) return
      const res = kit.response
      const allowAll = configureOrigin(res, true, reqOrigin)
      configureCredentials(res, allowAll, true, reqOrigin)
      if (exposed !== undefined) res.setHeader('access-control-expose-headers', exposed)
    },
  }
})
