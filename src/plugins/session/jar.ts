/**
 * Cookies in and out: a request cookie by name (nginx's `$cookie_<name>`, which
 * lua-resty-session reads), and the response's Set-Cookie list, where a
 * session cookie replaces one of the same name already there (from the
 * upstream, or an earlier save in the same request) or is added.
 */
import type { Kit } from '../types.js'

/** Expires a cookie at once (lua-resty-session's COOKIE_EXPIRE_FLAGS). */
export const EXPIRE_FLAGS = '; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0'

/** The request's cookies, name to first value (names compared without case, as nginx does). */
export function requestCookies(kit: Kit): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of kit.request.headerValues('cookie')) {
    for (const pair of line.split(';')) {
      const eq = pair.indexOf('=')
      if (eq < 0) continue
      const name = pair.slice(0, eq).trim().toLowerCase()
      if (name !== '' && !out.has(name)) out.set(name, pair.slice(eq + 1).trim())
    }
  }
  return out
}

/** Puts `cookie` (`name=value; attrs`) into the response's Set-Cookie list, replacing one of the same name. */
export function setCookie(kit: Kit, name: string, cookie: string): void {
  const current = kit.response.headers['set-cookie']
  const list = current === undefined ? [] : Array.isArray(current) ? [...current] : [String(current)]
  const prefix = `${name}=`
  const at = list.findIndex((c) => c.startsWith(prefix))
  if (at >= 0) list[at] = cookie
  else list.push(cookie)
  kit.response.setHeader('set-cookie', list)
}
