// os.date / os.time / os.difftime compared with what LuaJIT prints for the same Lua (see
// luajit-cases.ts), at fixed timestamps and in UTC (both sides run with TZ=UTC); os.clock
// and the current time checked here.
import t from 'tap'
import type { LuaFunction, LuaTable } from '../../../src/lua/core/value.js'
import { standardLibs } from '../../../src/lua/lib/index.js'
import { checkCases } from './luajit-cases.js'

process.env.TZ = 'UTC'

const T = 1700000000 // Tue Nov 14 22:13:20 2023 UTC
const stamps = [
  0,
  946684800,
  1104537600,
  1230681600,
  1262217600,
  1609459200,
  1704067200,
  253402300799,
  -31000000000,
  -62135596800,
  -62198755200,
  951782400,
  1700000000 - 22 * 3600 + 5 * 3600,
]

checkCases('os', [
  ...['%a %A %b %B', '%c', '%C %d %D %e %F', '%g %G %h %H %I %j %k %l', '%m %M %n %p %P %r %R', '%s %S %t %T %u %U %V %w %W', '%x %X %y %Y %z %Z %%'].flatMap(
    (f) => [`os.date("${f}", ${T})`, `os.date("!${f}", ${T})`],
  ),
  ...stamps.map((s) => `os.date("!%Y %C %y %G %g %V %U %W %j %u %w %a %c|%I %l %p", ${s})`),
  ...'%10A|%5d|%_5d|%-5d|%5e|%05e|%_H|%-H|%^B|%#p|%#Z|%10z|%_10Y|%3j|%-j|%10c|%^c|%-m|%_10C|%010C|%-C|%5C|%05Y|%-Y|%5y|%^a|%#A|%#b|%_5a|%05a|%-10a|%10%|%-5%|%_5n|%5t|%010s|%3z|%-z|%_z|%_8z|%08z|%-8z|%_5Z|%05Z|%10D|%-10T|%_12F|%012F|%10R|%10r|%05V|%5G|%0k|%0l|%010P|%^P|%#P|%10h|%^h|%100Y'
    .split('|')
    .map((f) => `os.date("!${f}", ${T})`),
  ...'%Q|%E|%O|%-|%|abc%|%5|%Ec|%EC|%Ex|%EX|%Ey|%EY|%Od|%Oe|%OH|%OI|%Om|%OM|%OS|%Ou|%OU|%OV|%Ow|%OW|%Oy|%Ob|%OB|%Oh|%Ok|%Ol|%Oj|%OC|%Og|%OG|%Op|%On|%O%|%E%|%ER|%ET|%Er|%Ez|%EZ|%Ea|%OY|%EOd|%Oa|%EF|%OD|%Oc|%Ex%q|%+Y'
    .split('|')
    .map((f) => `os.date("!${f}", ${T})`),
  ...[-31000000000, -62198755200, -1e11, -2e12].map((s) => `os.date("!%Y|%C|%y|%_Y|%05Y|%_C|%5C|%-C|%04C|%G|%_5G|%05G|%F|%D", ${s})`),
  'os.date("*t", 1700000000)',
  'os.date("!*t", 0)',
  'os.date("!*t", -1)',
  'os.date("!*t", 951782400)',
  'os.date("*t\\0abc", 0)',
  'os.date("%Y\\0%m", 0)',
  'os.date("!", 0)',
  'os.date("", 0)',
  'os.date("x", 0)',
  'os.date("*tx", 0)',
  'os.date(nil, 0)',
  'os.date(12, 0)',
  'os.date("!%Y-%m-%d %H:%M:%S", 1.9)',
  'os.date("!%S", -0.5)',
  'os.date("!%S", -1.5)',
  'os.date("!%Y-%m-%d %H:%M:%S", -1)',
  'os.date("!%c", 2^40)',
  'os.date("!%Y", -2^40)',
  'os.date("!%Y", 1e18)',
  'os.date("!*t", 1e18)',
  'os.date("!%Y", 0/0)',
  'os.date("!%Y", 1/0)',
  'os.date("!%Y", "86400000")',
  'os.date("%Y", "x")',
  'os.date({}, 1)',
  // os.time
  'os.time({year = 2023, month = 11, day = 14})',
  'os.time({year = 2023, month = 11, day = 14, hour = 22, min = 13, sec = 20})',
  'os.time({year = 2023, month = 13, day = 32, hour = -1, min = 70, sec = -5})',
  'os.time({year = "2023", month = "2", day = "29.9"})',
  'os.time({year = 2024, month = 2, day = 29, hour = 0})',
  'os.time({year = 2023, month = 0, day = 0})',
  'os.time({year = 2023, month = -13, day = 400})',
  'os.time({year = 2023, month = 11, day = 14, isdst = true})',
  'os.time({year = 2023, month = 11, day = 14, isdst = false})',
  'os.time({year = 1969, month = 12, day = 31, hour = 23, min = 59, sec = 59})',
  'os.time({year = 1969, month = 12, day = 31, hour = 23, min = 59, sec = 58})',
  'os.time({year = 1900, month = 1, day = 1})',
  'os.time({year = 1, month = 1, day = 1, hour = 0})',
  'os.time({year = 10000, month = 1, day = 1})',
  'os.time({year = 2023, month = 1, day = 1.9, hour = 1.5})',
  'os.time({year = 2023, month = 1, day = 1, hour = "x"})',
  'os.time({year = 2023, month = 1})',
  'os.time({year = 2023, day = 1})',
  'os.time({month = 1, day = 1})',
  'os.time({})',
  'os.time(withidx({}, {year = 2000, month = 1, day = 1}))',
  'os.time(5)',
  'os.time("x")',
  'os.date("!%c", os.time({year = 2000, month = 2, day = 30}))',
  // os.difftime
  'os.difftime(10, 3)',
  'os.difftime(10.7)',
  'os.difftime(5.5, 1.2)',
  'os.difftime(-1.5, 0.5)',
  'os.difftime("10", "4")',
  'os.difftime()',
  'os.difftime(1, {})',
])

// Local time in a zone with daylight saving time: offsets, names, and os.time's choices
// for the skipped (2023-03-12 02:30) and repeated (2023-11-05 01:30) hours.
checkCases(
  'os-new-york',
  [
    'os.date("%c %Z %z", 1700000000)',
    'os.date("%c %Z %z", 1690000000)',
    'os.date("!%c %Z %z", 1690000000)',
    'os.date("*t", 1690000000)',
    'os.date("*t", 1700000000)',
    'os.date("%H:%M %Z", 1678604400)',
    'os.date("%H:%M %Z", 1699162200)',
    'os.date("%H:%M %Z", 1699165800)',
    'os.date("%s", 1700000000)',
    'os.time({year = 2023, month = 11, day = 14, hour = 17, min = 13, sec = 20})',
    'os.time({year = 2023, month = 7, day = 22})',
    'os.time({year = 2023, month = 3, day = 12, hour = 2, min = 30})',
    'os.time({year = 2023, month = 11, day = 5, hour = 1, min = 30})',
    'os.time({year = 2023, month = 11, day = 5, hour = 1, min = 30, isdst = true})',
    'os.time({year = 2023, month = 11, day = 5, hour = 1, min = 30, isdst = false})',
    'os.time({year = 2023, month = 7, day = 22, isdst = false})',
    'os.time({year = 2023, month = 1, day = 22, isdst = true})',
    'os.time({year = 1969, month = 12, day = 31, hour = 19})',
  ],
  'America/New_York',
)

const os = standardLibs().os!
const fn = (name: string): LuaFunction => os.getStr(name) as LuaFunction

t.test('os.time() and os.date() without a time read the clock', (t) => {
  const before = Math.floor(Date.now() / 1000)
  const now = fn('time')()[0] as number
  const after = Math.floor(Date.now() / 1000)
  t.ok(now >= before && now <= after, `os.time() = ${now}`)
  t.ok(Number.isInteger(now))
  const d = fn('date')('*t')[0] as LuaTable
  t.ok((d.getStr('year') as number) >= 2024)
  // The clock may tick between the reads: os.date() is %c of a second read around it.
  const t0 = fn('time')()[0] as number
  const shown = fn('date')()[0]
  const t1 = fn('time')()[0] as number
  t.ok([t0, t1].map((s) => fn('date')('%c', s)[0]).includes(shown), `default format %c of now: ${String(shown)}`)
  t.end()
})

t.test('os.clock() is the process CPU time in seconds', (t) => {
  const a = fn('clock')()[0] as number
  let x = 0
  for (let i = 0; i < 2e6; i++) x += i
  const b = fn('clock')()[0] as number
  t.ok(x > 0)
  t.ok(a > 0 && b >= a, `${a} <= ${b}`)
  t.end()
})

t.test('the os table offers only what Kong allows', (t) => {
  t.same([...os.hash!.keys()].sort(), ['clock', 'date', 'difftime', 'time'])
  t.end()
})
