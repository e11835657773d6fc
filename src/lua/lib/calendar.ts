/**
 * Calendar arithmetic for os.date and os.time: C's struct tm from a
 * timestamp (gmtime / localtime) and back, on proleptic Gregorian
 * arithmetic so any year C's int can hold works (JS Date stops at year
 * 275760). Local time is the process's zone (TZ), read through JS Date.
 */

/** Broken-down time (struct tm, with 1-based month and the full year). */
export interface Tm {
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

export const TWO63 = 9223372036854775808
/** Dates whose year - 1900 does not fit C's int are rejected by gmtime. */
export const MAX_TM_YEAR = 2147483647 + 1900
export const MIN_TM_YEAR = -2147483648 + 1900
/** JS Date's range, in seconds. */
const JS_DATE_LIMIT = 8.64e12

/** Days since 1970-01-01 → civil date (proleptic Gregorian). */
export function civilFromDays(days: number): [number, number, number] {
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
export function daysFromCivil(y: number, m: number, d: number): number {
  y += Math.floor((m - 1) / 12)
  m = ((((m - 1) % 12) + 12) % 12) + 1
  if (m <= 2) y--
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

export function isLeap(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)
}

/** The local zone's offset (seconds east of UTC) at timestamp t. */
export function localOffset(t: number): number {
  if (Math.abs(t) > JS_DATE_LIMIT) return localOffset(0)
  return -new Date(t * 1000).getTimezoneOffset() * 60
}

/** Whether t falls in daylight saving time in the local zone. */
export function localIsDst(t: number): boolean {
  if (Math.abs(t) > JS_DATE_LIMIT) return false
  const y = new Date(t * 1000).getFullYear()
  const jan = -new Date(y, 0, 1).getTimezoneOffset()
  const jul = -new Date(y, 6, 1).getTimezoneOffset()
  return localOffset(t) / 60 > Math.min(jan, jul)
}

let zoneFormat: Intl.DateTimeFormat | undefined
let zoneFormatTz: string | undefined
/** The local zone's abbreviation at t, as Intl names it ("UTC", "EST", "GMT+1"). */
export function localZone(t: number): string {
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
export function breakDown(t: number, utc: boolean): Tm | undefined {
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
export function toTimeT(x: number): number | undefined {
  if (!(x >= -TWO63 && x < TWO63)) return undefined
  return Math.trunc(x)
}
