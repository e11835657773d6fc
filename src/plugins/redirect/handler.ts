/**
 * redirect: answers with `status_code`, a Location header and the body
 * `redirecting`. With keep_incoming_path the request's path and raw query
 * replace those of `location` (WHATWG URL rules, as Kong's ada does).
 */
import { UNEXPECTED } from '../../errors.js'
import { definePhases, type Exit } from '../types.js'
import type { RedirectConfig } from './schema.js'

// Kong sends a string body without a type: nginx's default_type with Kong's `charset UTF-8`.
const CONTENT_TYPE = 'text/plain; charset=UTF-8'
const BODY = 'redirecting'

export default definePhases<RedirectConfig>((conf) => {
  const status = conf.status_code
  const fixed: Exit = { status, body: BODY, headers: { location: conf.location, 'content-type': CONTENT_TYPE } }
  if (!conf.keep_incoming_path) return { access: () => ({ ...fixed }) }
  let base: URL | undefined
  try {
    base = new URL(conf.location)
  } catch {
    base = undefined
  }
  return {
    access(kit) {
      // Kong fails the same way when ada cannot parse the location.
      if (!base) return UNEXPECTED
      const u = new URL(base)
      u.pathname = kit.request.normalizedPath
      u.search = kit.request.rawQuery
      return { status, body: BODY, headers: { location: u.href, 'content-type': CONTENT_TYPE } }
    },
  }
})
