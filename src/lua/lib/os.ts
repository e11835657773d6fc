/**
 * The part of the os library Kong's sandbox exposes: clock, date, difftime,
 * time. Dates come from calendar.ts (any year C's gmtime accepts) and
 * formats from strftime.ts (glibc's, C locale). Local time is the process's
 * zone (UTC on the test machines); a '!' prefix selects UTC. time_t
 * conversions truncate toward zero and treat NaN and values beyond int64 as
 * invalid, so os.date answers nil for them.
 */
import { B } from '../core/budget.js'
import { LuaError } from '../core/errors.js'
import { index } from '../core/ops.js'
import { LuaTable, stringToNumber, type LuaValue } from '../core/value.js'
import { argNumber, argTable, libTable, optNumber, optString } from './args.js'
import { MAX_TM_YEAR, MIN_TM_YEAR, TWO63, breakDown, civilFromDays, daysFromCivil, localIsDst, localOffset, toTimeT } from './calendar.js'
import { strftime } from './strftime.js'

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
