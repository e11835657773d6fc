// core/value.ts's numberToString and stringToNumber against what LuaJIT 2.1
// prints for tostring(n) and tonumber(s). The expectations are written out
// (taken from Debian's luajit 2.1.0-beta3); when /usr/bin/luajit is present
// they are also checked live, so a wrong expectation cannot hide.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { numberToString, stringToNumber } from '../../../src/lua/core/value.js'

const LUAJIT = '/usr/bin/luajit'

// [Lua expression, its value, what tostring() of it prints]
const NUMBERS: [string, number, string][] = [
  ['99999999999999', 99999999999999, '99999999999999'],
  ['1e14', 1e14, '1e+14'],
  ['123456789012345', 123456789012345, '1.2345678901235e+14'],
  ['1e15 - 1', 1e15 - 1, '1e+15'],
  ['-1e14', -1e14, '-1e+14'],
  ['2^53', 2 ** 53, '9.007199254741e+15'],
  ['2^31', 2 ** 31, '2147483648'],
  ['-0', -0, '-0'],
  ['0.1 + 0.2', 0.1 + 0.2, '0.3'],
  ['1/3', 1 / 3, '0.33333333333333'],
  ['1e-5', 1e-5, '1e-05'],
  ['1/0', Infinity, 'inf'],
]

// [string given to tonumber, what tostring(tonumber(s)) prints]
const STRINGS: [string, string][] = [
  ['inf', 'inf'],
  ['-Infinity', '-inf'],
  [' NaN ', 'nan'],
  ['infinit', 'nil'],
  ['0b101', '5'],
  ['-0B11', '-3'],
  ['0b12', 'nil'],
  ['0x1p4', '16'],
  ['017', '17'],
  ['1e', 'nil'],
]

const show = (v: number | undefined) => (v === undefined ? 'nil' : numberToString(v))

t.test('numberToString prints integers of 15 digits and more in %.14g exponent form, as LuaJIT', async (t) => {
  for (const [expr, n, want] of NUMBERS) t.equal(numberToString(n), want, expr)
})

t.test('stringToNumber reads inf/nan words and 0b binary, as LuaJIT', async (t) => {
  for (const [s, want] of STRINGS) t.equal(show(stringToNumber(s)), want, JSON.stringify(s))
})

t.test('the written-out expectations are what luajit prints', async (t) => {
  if (!existsSync(LUAJIT)) {
    t.comment('NOT CHECKED: luajit not installed; compared with stored output')
    return
  }
  const lua = [...NUMBERS.map(([e]) => `print(tostring(${e}))`), ...STRINGS.map(([s]) => `print(tostring(tonumber(${JSON.stringify(s)})))`)].join('\n')
  const out = execFileSync(LUAJIT, ['-e', lua], { encoding: 'latin1' }).split('\n')
  t.same(out.slice(0, -1), [...NUMBERS.map(([, , want]) => want), ...STRINGS.map(([, want]) => want)])
})
