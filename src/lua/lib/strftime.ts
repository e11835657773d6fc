/**
 * strftime in the C locale, as glibc 2.36 formats (what os.date prints
 * under LuaJIT on Linux): every conversion, the `_ - 0 ^ #` flags, widths,
 * the E/O modifiers where glibc accepts them, glibc's padding (`%Y` of
 * year 987 is "987", `%5d` is "00014", `%10z` pads sign and digits
 * separately) and unknown conversions copied as they are.
 */
import { B } from '../core/budget.js'
import { isLeap, localZone, type Tm } from './calendar.js'

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
