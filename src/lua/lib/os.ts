/**
 * The part of the os library Kong's sandbox exposes: clock, date, difftime,
 * time. Dates are computed with proleptic Gregorian arithmetic on the
 * timestamp (any year C's gmtime accepts, not only the JS Date range), and
 * os.date's formats are glibc's strftime in the C locale: every conversion,
 * the `_ - 0 ^ #` flags, widths and the E/O modifiers, with glibc's padding
 * rules (so `%Y` of year 987 is "987" and `%5d` is "00014"). Unknown
 * conversions are copied as they are, as glibc does.
 *
 * Local time is the process's time zone (UTC on the test machines); a '!'
 * prefix selects UTC. time_t conversions truncate toward zero and treat NaN
 * and values beyond int64 as invalid, so os.date answers nil for them.
 */
import { B } from '../core/budget.js'
import { LuaError } from '../core/errors.js'
import { index } from '../core/ops.js'
import { LuaTable, stringToNumber, type LuaValue } from '../core/value.js'
import { argNumber, argTable, libTable, optNumber, optString } from './args.js'

/** Broken-down time (struct tm, with 1-based month and the full year). */
interface Tm {
  year: number
  month: number
  day: number
  hour: number
  min: number
  sec: number
  /** 0 = Sunday. */
  wday: number
  /** 0-based day of the year. */
  yday: number
  isdst: boolean
  /** Seconds east of UTC. */
  gmtoff: number
  /** Broken down in UTC (zone "GMT") rather than local time. */
  utc: boolean
  /** The timestamp (for %s and the local zone's name). */
  t: number
}

const TWO63 = 9223372036854775808
/** Dates whose year - 1900 does not fit C's int are rejected by gmtime. */
const MAX_TM_YEAR = 2147483647 + 1900
const MIN_TM_YEAR = -2147483648 + 1900
/** JS Date's range, in seconds. */
const JS_DATE_LIMIT = 8.64e12

/** Days since 1970-01-01 → civil date (proleptic Gregorian). */
function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp < 10 ? mp + 3 : mp - 9
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d]
}

/** Civil date → days since 1970-01-01; month may be any integer (it carries into the year). */
function daysFromCivil(y: number, m: number, d: number): number {
  y += Math.floor((m - 1) / 12)
  m = ((((m - 1) % 12) + 12) % 12) + 1
  if (m <= 2) y--
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

function isLeap(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)
}

/** The local zone's offset (seconds east of UTC) at timestamp t. */
function localOffset(t: number): number {
  if (Math.abs(t) > JS_DATE_LIMIT) return localOffset(0)
  return -new Date(t * 1000).getTimezoneOffset() * 60
}

/** Whether t falls in daylight saving time in the local zone. */
function localIsDst(t: number): boolean {
  if (Math.abs(t) > JS_DATE_LIMIT) return false
  const y = new Date(t * 1000).getFullYear()
  const jan = -new Date(y, 0, 1).getTimezoneOffset()
  const jul = -new Date(y, 6, 1).getTimezoneOffset()
  return localOffset(t) / 60 > Math.min(jan, jul)
}

let zoneFormat: Intl.DateTimeFormat | undefined
let zoneFormatTz: string | undefined
/** The local zone's abbreviation at t, as Intl names it ("UTC", "EST", "GMT+1"). */
function localZone(t: number): string {
  if (Math.abs(t) > JS_DATE_LIMIT) t = 0
  // Intl fixes the zone when the formatter is made; remake it if TZ changed since.
  if (zoneFormat === undefined || zoneFormatTz !== process.env.TZ) {
    zoneFormat = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
    zoneFormatTz = process.env.TZ
  }
  const part = zoneFormat.formatToParts(new Date(t * 1000)).find((p) => p.type === 'timeZoneName')
  return part?.value ?? 'UTC'
}

/** gmtime / localtime: undefined when the year does not fit (as C's functions fail). */
function breakDown(t: number, utc: boolean): Tm | undefined {
  const gmtoff = utc ? 0 : localOffset(t)
  const lt = t + gmtoff
  const days = Math.floor(lt / 86400)
  const secs = lt - days * 86400
  const [year, month, day] = civilFromDays(days)
  if (year > MAX_TM_YEAR || year < MIN_TM_YEAR) return undefined
  return {
    year,
    month,
    day,
    hour: Math.floor(secs / 3600),
    min: Math.floor((secs % 3600) / 60),
    sec: secs % 60,
    wday: (((days + 4) % 7) + 7) % 7,
    yday: days - daysFromCivil(year, 1, 1),
    isdst: utc ? false : localIsDst(t),
    gmtoff,
    utc,
    t,
  }
}

/** A Lua number as C's time_t: truncated; NaN and values beyond int64 are invalid. */
function toTimeT(x: number): number | undefined {
  if (!(x >= -TWO63 && x < TWO63)) return undefined
  return Math.trunc(x)
}

const WDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']

/** glibc's iso_week_days: days since the start of the ISO week-based year's first week (may be negative). */
function isoWeekDays(yday: number, wday: number): number {
  return yday - ((yday - wday + 4 + 378) % 7) + 4 - 1
}

/** The ISO 8601 week-based year and week of tm. */
function isoWeek(tm: Tm): [number, number] {
  let year = tm.year
  let days = isoWeekDays(tm.yday, tm.wday)
  if (days < 0) {
    year--
    days = isoWeekDays(tm.yday + (365 + (isLeap(year) ? 1 : 0)), tm.wday)
  } else {
    const d = isoWeekDays(tm.yday - (365 + (isLeap(year) ? 1 : 0)), tm.wday)
    if (d >= 0) {
      year++
      days = d
    }
  }
  return [year, Math.floor(days / 7) + 1]
}

// Which conversions accept the E and O modifiers in glibc's C locale.
const ANY_MODIFIER = '%ntpPRTrszZ'
const E_OK = 'cCxXyY' + ANY_MODIFIER
const O_OK = 'bBhdeHIjklmMSuUVwWgGCy' + ANY_MODIFIER
const MAX_WIDTH = 1 << 24

/** strftime in the C locale, glibc's flavour. */
export function strftime(fmt: string, tm: Tm): string {
  let out = ''
  const n = fmt.length
  let i = 0
  while (i < n) {
    const pct = fmt.indexOf('%', i)
    if (pct < 0) {
      out += fmt.slice(i)
      break
    }
    out += fmt.slice(i, pct)
    let f = pct + 1
    let pad = ''
    let upcase = false
    let swapcase = false
    for (; f < n; f++) {
      const c = fmt[f]
      if (c === '_' || c === '-' || c === '0') pad = c
      else if (c === '^') upcase = true
      else if (c === '#') swapcase = true
      else break
    }
    let width = -1
    if (f < n && fmt[f]! >= '0' && fmt[f]! <= '9') {
      width = 0
      while (f < n && fmt[f]! >= '0' && fmt[f]! <= '9') width = Math.min(width * 10 + fmt.charCodeAt(f++) - 48, MAX_WIDTH)
      B.alloc(width)
    }
    let modifier = ''
    if (fmt[f] === 'E' || fmt[f] === 'O') modifier = fmt[f++]!
    const conv = f < n ? fmt[f]! : ''
    i = f + 1

    /** glibc's add(): pads to the width (zeros only for the '0' flag); the width stays (%z adds twice). */
    const cpy = (s: string, lower = false): void => {
      if (lower) s = s.toLowerCase()
      else if (upcase) s = s.toUpperCase()
      if (width > s.length) s = (pad === '0' ? '0' : ' ').repeat(width - s.length) + s
      out += s
    }
    /** glibc's DO_NUMBER: at least `digits` digits (padded with zeros, or spaces for '_'), then the width. */
    const num = (digits: number, v: number, spacepad = false): void => {
      let p = pad
      if (spacepad && p === '') p = '_'
      const neg = v < 0
      const body = String(Math.abs(v))
      const len = body.length + (neg ? 1 : 0)
      if (digits < width) digits = width
      let s = neg ? '-' + body : body
      if (p !== '-') {
        const padding = digits - len
        if (padding > 0) {
          s = p === '_' ? ' '.repeat(padding) + s : (neg ? '-' : '') + '0'.repeat(padding) + body
          width = width > padding ? width - padding : -1
        }
      }
      const saved = pad
      pad = p
      cpy(s)
      pad = saved
    }
    const bad = (): void => {
      // Unknown conversion: copied from '%' through the offending byte (or the end).
      cpy(fmt.slice(pct, Math.min(f + 1, n)))
      i = Math.min(f + 1, n)
    }
    if (modifier === 'E' && !E_OK.includes(conv)) {
      bad()
      continue
    }
    if (modifier === 'O' && !O_OK.includes(conv)) {
      bad()
      continue
    }
    switch (conv) {
      case '%':
        cpy('%')
        break
      case 'a': {
        const s = WDAYS[tm.wday]!.slice(0, 3)
        cpy(swapcase ? s.toUpperCase() : s)
        break
      }
      case 'A':
        cpy(swapcase ? WDAYS[tm.wday]!.toUpperCase() : WDAYS[tm.wday]!)
        break
      case 'b':
      case 'h':
        cpy(swapcase ? MONTHS[tm.month - 1]!.slice(0, 3).toUpperCase() : MONTHS[tm.month - 1]!.slice(0, 3))
        break
      case 'B':
        cpy(swapcase ? MONTHS[tm.month - 1]!.toUpperCase() : MONTHS[tm.month - 1]!)
        break
      case 'c':
        cpy(strftime('%a %b %e %H:%M:%S %Y', tm))
        break
      case 'C':
        num(1, Math.trunc(tm.year / 100) - (tm.year % 100 < 0 ? 1 : 0))
        break
      case 'd':
        num(2, tm.day)
        break
      case 'D':
        cpy(strftime('%m/%d/%y', tm))
        break
      case 'e':
        num(2, tm.day, true)
        break
      case 'F':
        cpy(strftime('%Y-%m-%d', tm))
        break
      case 'g':
        num(2, ((isoWeek(tm)[0] % 100) + 100) % 100)
        break
      case 'G':
        num(1, isoWeek(tm)[0])
        break
      case 'H':
        num(2, tm.hour)
        break
      case 'I':
        num(2, tm.hour % 12 === 0 ? 12 : tm.hour % 12)
        break
      case 'j':
        num(3, tm.yday + 1)
        break
      case 'k':
        num(2, tm.hour, true)
        break
      case 'l':
        num(2, tm.hour % 12 === 0 ? 12 : tm.hour % 12, true)
        break
      case 'm':
        num(2, tm.month)
        break
      case 'M':
        num(2, tm.min)
        break
      case 'n':
        cpy('\n')
        break
      case 'p':
        cpy(tm.hour < 12 ? 'AM' : 'PM', swapcase)
        break
      case 'P':
        cpy(tm.hour < 12 ? 'am' : 'pm', true)
        break
      case 'r':
        cpy(strftime('%I:%M:%S %p', tm))
        break
      case 'R':
        cpy(strftime('%H:%M', tm))
        break
      case 's':
        num(1, tm.t)
        break
      case 'S':
        num(2, tm.sec)
        break
      case 't':
        cpy('\t')
        break
      case 'T':
        cpy(strftime('%H:%M:%S', tm))
        break
      case 'u':
        num(1, ((tm.wday + 6) % 7) + 1)
        break
      case 'U':
        num(2, Math.floor((tm.yday - tm.wday + 7) / 7))
        break
      case 'V':
        num(2, isoWeek(tm)[1])
        break
      case 'w':
        num(1, tm.wday)
        break
      case 'W':
        num(2, Math.floor((tm.yday - ((tm.wday + 6) % 7) + 7) / 7))
        break
      case 'x':
        cpy(strftime('%m/%d/%y', tm))
        break
      case 'X':
        cpy(strftime('%H:%M:%S', tm))
        break
      case 'y':
        num(2, ((tm.year % 100) + 100) % 100)
        break
      case 'Y':
        num(1, tm.year)
        break
      case 'z': {
        let diff = tm.gmtoff
        cpy(diff < 0 ? '-' : '+')
        diff = Math.floor(Math.abs(diff) / 60)
        num(4, Math.floor(diff / 60) * 100 + (diff % 60))
        break
      }
      case 'Z':
        cpy(tm.utc ? 'GMT' : localZone(tm.t), swapcase)
        break
      default:
        if (conv === '') f = n - 1 // '%' (and flags) at the end: copied up to the last byte
        bad()
    }
  }
  return out
}

/** os.date([format [, time]]). */
function date(...a: LuaValue[]): LuaValue[] {
  let fmt = optString(a, 0, 'date') ?? '%c'
  let t: number | undefined
  if (a[1] === undefined) t = Math.floor(Date.now() / 1000)
  else t = toTimeT(argNumber(a, 1, 'date'))
  // C reads the format up to its first NUL.
  const z = fmt.indexOf('\0')
  if (z >= 0) fmt = fmt.slice(0, z)
  let utc = false
  if (fmt[0] === '!') {
    utc = true
    fmt = fmt.slice(1)
  }
  const tm = t === undefined ? undefined : breakDown(t, utc)
  if (tm === undefined) return [undefined]
  if (fmt === '*t') {
    const r = new LuaTable()
    B.alloc(16 * 9)
    r.setStr('sec', tm.sec)
    r.setStr('min', tm.min)
    r.setStr('hour', tm.hour)
    r.setStr('day', tm.day)
    r.setStr('month', tm.month)
    r.setStr('year', tm.year)
    r.setStr('wday', tm.wday + 1)
    r.setStr('yday', tm.yday + 1)
    r.setStr('isdst', tm.isdst)
    return [r]
  }
  B.steps(1 + fmt.length)
  const s = strftime(fmt, tm)
  B.alloc(s.length)
  return [s]
}

/** A date-table field as os.time reads it: numbers and numeric strings, truncated to C's int. */
function field(t: LuaTable, key: string, d: number): number {
  const v = index(t, key)
  const n = typeof v === 'number' ? v : typeof v === 'string' ? stringToNumber(v) : undefined
  if (n === undefined) {
    if (d < 0) throw new LuaError(`field '${key}' missing in date table`)
    return d
  }
  return n | 0
}

/** os.time([table]): mktime in the local zone, normalising out-of-range fields. */
function time(...a: LuaValue[]): LuaValue[] {
  if (a[0] === undefined) return [Math.floor(Date.now() / 1000)]
  const tab = argTable(a, 0, 'time')
  const sec = field(tab, 'sec', 0)
  const min = field(tab, 'min', 0)
  const hour = field(tab, 'hour', 12)
  const day = field(tab, 'day', -1)
  const month = field(tab, 'month', -1)
  const year = field(tab, 'year', -1)
  const dstv = index(tab, 'isdst')
  const days = daysFromCivil(year, month, day)
  const wall = days * 86400 + hour * 3600 + min * 60 + sec
  // Local time: the offset o with localOffset(wall - o) === o. Around a DST change there are
  // two such offsets (a repeated hour) or none (a skipped hour): then standard time's, the
  // smaller one, as glibc answers when isdst is not given.
  // The offsets a day either side cover both sides of any transition near `wall`.
  const candidates = [localOffset(wall - 86400), localOffset(wall + 86400)]
  const valid = candidates.filter((o) => localOffset(wall - o) === o)
  const off = Math.min(...(valid.length > 0 ? valid : candidates))
  let t = wall - off
  if (dstv !== undefined) {
    const wantDst = dstv !== false
    const isDst = localIsDst(t)
    // glibc moves the time by the DST shift (an hour) when the caller's isdst disagrees.
    if (wantDst && !isDst) t -= 3600
    else if (!wantDst && isDst) t += 3600
  }
  const y = civilFromDays(Math.floor((t + off) / 86400))[0]
  if (!Number.isFinite(t) || y > MAX_TM_YEAR || y < MIN_TM_YEAR || t === -1) return [undefined]
  return [t]
}

function difftime(...a: LuaValue[]): LuaValue[] {
  const t1 = toTimeT(argNumber(a, 0, 'difftime'))
  const t2 = toTimeT(optNumber(a, 1, 'difftime', 0))
  return [(t1 ?? -TWO63) - (t2 ?? -TWO63)]
}

function clock(): LuaValue[] {
  const u = process.cpuUsage()
  return [(u.user + u.system) / 1e6]
}

/** The os library table (what Kong's sandbox allows: clock, date, difftime, time). */
export function osLib(): LuaTable {
  return libTable('os', { clock, date, difftime, time })
}
