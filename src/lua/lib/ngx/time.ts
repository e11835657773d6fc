/**
 * ngx.time/now/today/localtime/utctime/update_time and the HTTP date
 * functions (http_time, cookie_time, parse_http_time) with nginx's formats
 * and parser.
 *
 * nginx serves times from a cache updated once per event-loop iteration; we
 * do the same: the first read in a synchronous stretch (a Lua run) takes the
 * clock, later reads in that stretch see the same instant, and
 * ngx.update_time() takes the clock again.
 */
import { LuaError } from '../../core/errors.js'
import { NONE, type LuaFunction } from '../../core/value.js'

let cachedMs: number | undefined
/** Whether a clearing is queued: one per stretch, however often ngx.update_time() empties the cache. */
let clearing = false

function clearCache(): void {
  cachedMs = undefined
  clearing = false
}

/** The cached current time in ms since the epoch. */
export function nowMs(): number {
  if (cachedMs === undefined) {
    cachedMs = Date.now()
    // Runs after the current synchronous work (the Lua run) ends. Queued once: a loop of
    // update_time() + now() would otherwise leave a microtask per read to run after the run.
    if (!clearing) {
      clearing = true
      queueMicrotask(clearCache)
    }
  }
  return cachedMs
}

const WEEK = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

const pad = (n: number, w = 2): string => String(n).padStart(w, '0')

/** ngx_gmtime's clamping: negative times are the epoch, nothing past 9999-12-31 23:59:59. */
function gmtime(sec: number): Date {
  let t = Math.trunc(sec)
  if (!(t >= 0)) t = 0
  if (t > 253402300799) t = 253402300799
  return new Date(t * 1000)
}

function dateText(d: Date, utc: boolean): string {
  return utc ? `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

function clockText(d: Date, utc: boolean): string {
  return utc
    ? `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
    : `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

/** "Thu, 18 Nov 2010 11:27:35 GMT" (ngx_http_time). */
export function httpTime(sec: number): string {
  const d = gmtime(sec)
  return `${WEEK[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCFullYear(), 4)} ${clockText(d, true)} GMT`
}

/** "Thu, 18-Nov-10 11:27:35 GMT" (ngx_http_cookie_time: two-digit years up to 2037). */
export function cookieTime(sec: number): string {
  const d = gmtime(sec)
  const y = d.getUTCFullYear()
  return `${WEEK[d.getUTCDay()]}, ${pad(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${y > 2037 ? String(y) : pad(y % 100)} ${clockText(d, true)} GMT`
}

const MDAY = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/**
 * ngx_parse_http_time: RFC 822 ("Tue, 10 Nov 2002 23:50:13"), RFC 850
 * ("Tuesday, 10-Dec-02 23:50:13") and asctime ("Tue Dec 10 23:50:13 2002");
 * the weekday and anything after the time are not checked. Undefined when
 * the text is not one of them.
 */
export function parseHttpTime(s: string): number | undefined {
  const end = s.length
  const at = (i: number): number => (i < end ? s.charCodeAt(i) : 0)
  const digit = (i: number): number => {
    const c = at(i)
    return c >= 0x30 && c <= 0x39 ? c - 0x30 : -1
  }
  const two = (i: number): number => (digit(i) < 0 || digit(i + 1) < 0 ? -1 : digit(i) * 10 + digit(i + 1))
  let fmt: 'rfc822' | 'rfc850' | 'isoc' | undefined
  let p = 0
  for (; p < end; p++) {
    if (at(p) === 0x2c) break
    if (at(p) === 0x20) {
      fmt = 'isoc'
      break
    }
  }
  for (p++; p < end; p++) if (at(p) !== 0x20) break
  if (end - p < 18) return undefined
  let day = 0
  let year = 0
  if (fmt !== 'isoc') {
    day = two(p)
    if (day < 0) return undefined
    p += 2
    if (at(p) === 0x20) {
      if (end - p < 18) return undefined
      fmt = 'rfc822'
    } else if (at(p) === 0x2d) fmt = 'rfc850'
    else return undefined
    p++
  }
  let month: number
  const c1 = s[p + 1]
  const c2 = s[p + 2]
  switch (s[p]) {
    case 'J':
      month = c1 === 'a' ? 0 : c2 === 'n' ? 5 : 6
      break
    case 'F':
      month = 1
      break
    case 'M':
      month = c2 === 'r' ? 2 : 4
      break
    case 'A':
      month = c1 === 'p' ? 3 : 7
      break
    case 'S':
      month = 8
      break
    case 'O':
      month = 9
      break
    case 'N':
      month = 10
      break
    case 'D':
      month = 11
      break
    default:
      return undefined
  }
  p += 3
  if ((fmt === 'rfc822' && at(p) !== 0x20) || (fmt === 'rfc850' && at(p) !== 0x2d)) return undefined
  p++
  if (fmt === 'rfc822') {
    const hi = two(p)
    const lo = two(p + 2)
    if (hi < 0 || lo < 0) return undefined
    year = hi * 100 + lo
    p += 4
  } else if (fmt === 'rfc850') {
    year = two(p)
    if (year < 0) return undefined
    year += year < 70 ? 2000 : 1900
    p += 2
  }
  if (fmt === 'isoc') {
    if (at(p) === 0x20) p++
    if (digit(p) < 0) return undefined
    day = digit(p++)
    if (at(p) !== 0x20) {
      if (digit(p) < 0) return undefined
      day = day * 10 + digit(p++)
    }
    if (end - p < 14) return undefined
  }
  if (at(p++) !== 0x20) return undefined
  const hour = two(p)
  if (hour < 0) return undefined
  p += 2
  if (at(p++) !== 0x3a) return undefined
  const min = two(p)
  if (min < 0) return undefined
  p += 2
  if (at(p++) !== 0x3a) return undefined
  const sec = two(p)
  if (sec < 0) return undefined
  if (fmt === 'isoc') {
    p += 2
    if (at(p++) !== 0x20) return undefined
    const hi = two(p)
    const lo = two(p + 2)
    if (hi < 0 || lo < 0) return undefined
    year = hi * 100 + lo
  }
  if (hour > 23 || min > 59 || sec > 59) return undefined
  if (day === 29 && month === 1) {
    if (year & 3 || (year % 100 === 0 && year % 400 !== 0)) return undefined
  } else if (day > MDAY[month]!) return undefined
  // Gauss' formula, months counted from March (as nginx computes it).
  let m = month
  let y = year
  if (--m <= 0) {
    m += 12
    y -= 1
  }
  const days = 365 * y + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400) + Math.floor((367 * m) / 12) - 30 + day - 1 - 719527 + 31 + 28
  return days * 86400 + hour * 3600 + min * 60 + sec
}

export const time: LuaFunction = () => [Math.floor(nowMs() / 1000)]
export const now: LuaFunction = () => [nowMs() / 1000]
export const update_time: LuaFunction = () => {
  cachedMs = undefined
  return NONE
}
export const today: LuaFunction = () => [dateText(new Date(nowMs()), false)]
export const localtime: LuaFunction = () => {
  const d = new Date(nowMs())
  return [`${dateText(d, false)} ${clockText(d, false)}`]
}
export const utctime: LuaFunction = () => {
  const d = new Date(nowMs())
  return [`${dateText(d, true)} ${clockText(d, true)}`]
}

export const http_time: LuaFunction = (sec) => {
  if (typeof sec !== 'number') throw new LuaError('number argument only')
  return [httpTime(sec)]
}

export const cookie_time: LuaFunction = (sec) => {
  if (typeof sec !== 'number') throw new LuaError('number argument only')
  return [cookieTime(sec)]
}

export const parse_http_time: LuaFunction = (s) => {
  if (typeof s !== 'string') throw new LuaError('string argument only')
  return [parseHttpTime(s)]
}
