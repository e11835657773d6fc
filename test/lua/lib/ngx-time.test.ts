// ngx.time/now/today/localtime/utctime/update_time, http_time, cookie_time, parse_http_time.
// Expected values: lua-nginx-module's README (cited "README") and nginx's formats and parser
// (src/core/ngx_times.c, src/core/ngx_parse_time.c), cross-checked with Date.UTC.
import t from 'tap'
import type { LuaValue } from '../../../src/lua/core/value.js'
import * as clock from '../../../src/lua/lib/ngx/time.js'
import { errorOf } from './helpers.js'

const one = (f: (...a: LuaValue[]) => LuaValue[], ...args: LuaValue[]) => f(...args)[0]
const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => Date.UTC(y, mo - 1, d, h, mi, s) / 1000

t.test('http_time and cookie_time (README)', async (t) => {
  t.equal(one(clock.http_time, 1290079655), 'Thu, 18 Nov 2010 11:27:35 GMT')
  t.equal(one(clock.cookie_time, 1290079655), 'Thu, 18-Nov-10 11:27:35 GMT')
  t.equal(one(clock.http_time, 0), 'Thu, 01 Jan 1970 00:00:00 GMT')
  t.equal(one(clock.http_time, -5), 'Thu, 01 Jan 1970 00:00:00 GMT', 'negative times are the epoch (ngx_gmtime)')
  t.equal(one(clock.http_time, 1290079655.9), 'Thu, 18 Nov 2010 11:27:35 GMT', 'fractions are dropped')
  t.equal(one(clock.http_time, 1e13), 'Fri, 31 Dec 9999 23:59:59 GMT', 'clamped to 9999')
  t.equal(one(clock.cookie_time, utc(2040, 1, 1)), 'Sun, 01-Jan-2040 00:00:00 GMT', 'four-digit years after 2037')
  t.equal(one(clock.cookie_time, utc(2037, 12, 31)), 'Thu, 31-Dec-37 00:00:00 GMT')
  t.equal(
    errorOf(() => clock.http_time('1290079655')),
    'number argument only',
  )
  t.equal(
    errorOf(() => clock.cookie_time(undefined)),
    'number argument only',
  )
})

t.test('parse_http_time: RFC 822, RFC 850 and asctime (README; ngx_parse_http_time)', async (t) => {
  const p = (s: string) => one(clock.parse_http_time, s)
  t.equal(p('Thu, 18 Nov 2010 11:27:35 GMT'), 1290079655)
  t.equal(p('Thursday, 18-Nov-10 11:27:35 GMT'), 1290079655)
  t.equal(p('Thu Nov 18 11:27:35 2010'), 1290079655)
  t.equal(p('Mon Nov  8 11:27:35 2010'), utc(2010, 11, 8, 11, 27, 35), 'asctime pads the day with a space')
  t.equal(p('Sun, 06 Nov 1994 08:49:37 GMT'), 784111777, 'RFC 9110 example')
  t.equal(p('Sunday, 06-Nov-94 08:49:37 GMT'), 784111777)
  t.equal(p('Sun Nov  6 08:49:37 1994'), 784111777)
  t.equal(p('Mon, 29 Feb 2016 00:00:00 GMT'), utc(2016, 2, 29), 'leap day')
  t.equal(p('Xyz, 18 Nov 2010 11:27:35'), 1290079655, 'the weekday and the zone are not checked')
  t.equal(p('Fri, 01 Jan 2049 00:00:00 GMT'), utc(2049, 1, 1))
  t.equal(p('Friday, 01-Jan-69 00:00:00 GMT'), utc(2069, 1, 1), 'two-digit years below 70 are 20xx')
  for (const bad of [
    '',
    'bad',
    'Thu, 18 Nov 2010',
    'Tue, 29 Feb 2015 00:00:00 GMT',
    'Thu, 18 Nov 2010 24:00:00 GMT',
    'Thu, 31 Apr 2010 00:00:00 GMT',
    'Thu, 18 Xyz 2010 11:27:35 GMT',
    'Thu, 18 Nov 2010 11:27',
  ])
    t.equal(p(bad), undefined, JSON.stringify(bad))
  t.equal(
    errorOf(() => clock.parse_http_time(12)),
    'string argument only',
  )
})

t.test('the clock: one cached instant per synchronous run, refreshed by update_time', async (t) => {
  const now = one(clock.now) as number
  t.equal(one(clock.now), now, 'cached within a run')
  t.equal(one(clock.time), Math.floor(now))
  t.ok(Number.isInteger(Math.round(now * 1000)), 'millisecond resolution')
  const u = one(clock.utctime) as string
  t.match(u, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)
  t.equal(Date.parse(u.replace(' ', 'T') + 'Z') / 1000, Math.floor(now), 'utctime is the same instant')
  const l = one(clock.localtime) as string
  const d = new Date(Math.floor(now) * 1000)
  const pad = (n: number) => String(n).padStart(2, '0')
  t.equal(l, `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`)
  t.equal(one(clock.today), l.slice(0, 10))
  t.same(clock.update_time(), [])
  t.ok((one(clock.now) as number) >= now, 'update_time reads the clock again')
  await new Promise((r) => setImmediate(r))
  t.ok((one(clock.now) as number) >= now, 'a later run reads the clock again')
})
