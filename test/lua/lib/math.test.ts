// The math and bit libraries, each call compared with what LuaJIT prints for the same Lua
// (see luajit-cases.ts, which also compares seeded math.random sequences); math.random's
// ranges, randomseed's repeatability and its absence from Kong's sandbox checked here.
import t from 'tap'
import { LuaError } from '../../../src/lua/core/errors.js'
import { LuaTable, type LuaFunction } from '../../../src/lua/core/value.js'
import { standardLibs } from '../../../src/lua/lib/index.js'
import { sandboxGlobals } from '../../../src/lua/sandbox-env.js'
import { checkCases } from './luajit-cases.js'

checkCases('math', [
  'math.abs(-3)',
  'math.abs(-0.0)',
  'math.abs("-2")',
  'math.abs(-1/0)',
  'math.abs()',
  'math.abs(nil)',
  'math.abs({})',
  'math.floor(3.7)',
  'math.floor(-3.5)',
  'math.floor(-0.0)',
  'math.floor(2^60 + 0.5)',
  'math.floor("3.7")',
  'math.floor(0/0)',
  'math.ceil(3.2)',
  'math.ceil(-3.5)',
  'math.ceil(-0.5)',
  'math.ceil(1/0)',
  'math.sqrt(2)',
  'math.sqrt(-1)',
  'math.sqrt(16)',
  'math.sqrt("x")',
  'math.pi',
  'math.huge',
  '-math.huge',
  'math.sin(0.5)',
  'math.cos(1)',
  'math.tan(1)',
  'math.asin(0.5)',
  'math.acos(0.5)',
  'math.asin(2)',
  'math.atan(1)',
  'math.atan2(1, 1)',
  'math.atan2(-0.0, -1)',
  'math.atan2(0, -0.0)',
  'math.atan2(1)',
  'math.sinh(1)',
  'math.cosh(1)',
  'math.tanh(1)',
  'math.exp(1)',
  'math.exp(0.5)',
  'math.exp(710)',
  'math.log(8)',
  'math.log(0)',
  'math.log(-1)',
  'math.log(8, 2)',
  'math.log(100, 10)',
  'math.log(1000, 10)',
  'math.log(27, 3)',
  'math.log(2, 0)',
  'math.log(0, 2)',
  'math.log(1024, 2)',
  'math.log(8, "2")',
  'math.log(8, nil)',
  'math.log10(1000)',
  'math.log10(0.001)',
  'math.log10(-1)',
  'math.pow(2, 10)',
  'math.pow(1, 0/0)',
  'math.pow(-1, 1/0)',
  'math.pow(-1, -1/0)',
  'math.pow(0, 0)',
  'math.pow(0/0, 0)',
  'math.pow(-8, 1/3)',
  'math.pow(2, -1074)',
  'math.pow(2)',
  'math.fmod(7, 3)',
  'math.fmod(-7, 3)',
  'math.fmod(7, -3)',
  'math.fmod(-6, 3)',
  'math.fmod(5.5, 2)',
  'math.fmod(1, 0)',
  'math.fmod(1, 0/0)',
  'math.fmod(1/0, 1)',
  'math.fmod(5, 1/0)',
  'math.modf(3.7)',
  'math.modf(-3.7)',
  'math.modf(5)',
  'math.modf(-3)',
  'math.modf(-0.5)',
  'math.modf(-0.0)',
  'math.modf(1/0)',
  'math.modf(-1/0)',
  'math.modf(0/0)',
  'math.frexp(8)',
  'math.frexp(0)',
  'math.frexp(-0.0)',
  'math.frexp(-0.3)',
  'math.frexp(1/0)',
  'math.frexp(-1/0)',
  'math.frexp(0/0)',
  'math.frexp(2^-1074)',
  'math.frexp(1e308)',
  'math.frexp(1)',
  'math.ldexp(0.5, 4)',
  'math.ldexp(1, 1024)',
  'math.ldexp(1, -1075)',
  'math.ldexp(3, 1.9)',
  'math.ldexp(3, -1.9)',
  'math.ldexp(1, 2^31)',
  'math.ldexp(0.75, -1073)',
  'math.ldexp(1.5, -1074)',
  'string.format("%.17g", math.ldexp(3, -1076))',
  'math.ldexp(2^1023, -2046)',
  'math.ldexp(2^-1074, 2097)',
  'math.ldexp(1)',
  'math.max(1, 5, 3)',
  'math.max(3)',
  'math.min(2, -1)',
  'math.max(0/0, 1)',
  'math.max(1, 0/0)',
  'math.min(-0.0, 0)',
  'math.max(-0.0, 0)',
  'math.max(0, -0.0)',
  'math.min(0, -0.0)',
  'math.max(0/0, 0/0, 1)',
  'math.min(1, 0/0, 2)',
  'math.max("10", 9)',
  'math.max()',
  'math.min(1, nil)',
  'math.max(1, "x")',
  'math.deg(math.pi)',
  'math.deg("10")',
  'math.rad(180)',
  'math.rad("180")',
  'math.deg(nil)',
  'math.deg({})',
  'math.rad("x")',
  'math.deg(withmul(42))',
  'math.random(0)',
  'math.random(1, 1)',
  'math.random(5, 5)',
  'math.random(-3, -3)',
  'math.random("a")',
  'math.random(1, "b")',
  'math.mod',
  'math.randomseed(42)',
  // LuaJIT's generator: after a seed, the very numbers LuaJIT gives.
  'string.format("%.17g", math.random())',
  'math.random(100)',
  'math.random(5, 10)',
  'math.random(2^40)',
  'math.random(-3, 3.5)',
  'math.randomseed(-1.5)',
  'string.format("%.17g|%.17g", math.random(), math.random())',
  'math.randomseed(0/0)',
  'string.format("%.16f", math.random())',
  'math.randomseed("7")',
  'math.random(1e6)',
  'math.randomseed()',
  'math.randomseed({})',
  'string.format("%.17g|%.17g|%.17g", math.sqrt(2), math.pi, math.floor(-2.5))',
  'string.format("%.17g|%.17g|%.17g", math.fmod(10, 3.3), math.ldexp(0.1, 3), math.log(8, 2))',
])

checkCases('bit', [
  'bit.tobit(1)',
  'bit.tobit(2^32 + 1)',
  'bit.tobit(2^31)',
  'bit.tobit(-2^31 - 1)',
  'bit.tobit(-1.5)',
  'bit.tobit(1.5)',
  'bit.tobit(2.5)',
  'bit.tobit(-0.0)',
  'bit.tobit(0/0)',
  'bit.tobit(1/0)',
  'bit.tobit(2^53)',
  'bit.tobit(2^52 + 3)',
  'bit.tobit(-2^52 - 3)',
  'bit.tobit(2^64 + 2^33 + 7)',
  'bit.tobit(1e300)',
  'bit.tobit(0xffffffff)',
  'bit.tobit("0x10")',
  'bit.tobit("x")',
  'bit.tobit()',
  'bit.tohex(1)',
  'bit.tohex(-1)',
  'bit.tohex(255, -4)',
  'bit.tohex(255, 0)',
  'bit.tohex(2^32 + 5)',
  'bit.tohex(0x12345678, 3)',
  'bit.tohex(1, 20)',
  'bit.tohex(1, -20)',
  'bit.tohex(-1, 10)',
  'bit.tohex(0xabcdef12, 16)',
  'bit.tohex(0xabcdef12, 17)',
  'bit.tohex(0xabcdef12, -7)',
  'bit.tohex(0xabcdef12, 255)',
  'bit.tohex(0xabcdef12, 256)',
  'bit.tohex(0xabcdef12, -255)',
  'bit.tohex(1, 300)',
  'bit.tohex(1, 2^31)',
  'bit.tohex(1, -2^31)',
  'bit.tohex(1, 2^32 + 3)',
  'bit.tohex(1, 1.5)',
  'bit.tohex(0, 0)',
  'bit.tohex("x")',
  'bit.bnot(0)',
  'bit.bnot(-1)',
  'bit.bnot(2^32)',
  'bit.band(0xff, 0x0f)',
  'bit.band(1)',
  'bit.band()',
  'bit.band(-1, -1, 0x7fffffff)',
  'bit.bor(1, 2, 4, 8)',
  'bit.bor(0x80000000, 0)',
  'bit.bxor(5, 3, 1)',
  'bit.bxor(-1, 1)',
  'bit.band("3", "5")',
  'bit.band("x", 1)',
  'bit.band(1, nil)',
  'bit.lshift(1, 31)',
  'bit.lshift(1, 32)',
  'bit.lshift(1, 33)',
  'bit.lshift(1, -1)',
  'bit.lshift(0xff, 28)',
  'bit.rshift(-1, 1)',
  'bit.rshift(1, 65)',
  'bit.rshift(-1, 0)',
  'bit.rshift(0x80000000, 31)',
  'bit.arshift(-8, 1)',
  'bit.arshift(-1, 31)',
  'bit.arshift(0x7fffffff, 30)',
  'bit.rol(0x80000001, 1)',
  'bit.rol(0x12345678, 0)',
  'bit.rol(0x12345678, 36)',
  'bit.ror(1, 1)',
  'bit.ror(0x12345678, 4)',
  'bit.ror(0x12345678, -4)',
  'bit.bswap(0x12345678)',
  'bit.bswap(-1)',
  'bit.bswap(0x80)',
  'bit.lshift(1)',
  'bit.rol()',
])

const math = standardLibs().math!
const fn = (name: string): LuaFunction => math.getStr(name) as LuaFunction

t.test('math.random stays in its ranges', (t) => {
  for (let i = 0; i < 200; i++) {
    const x = fn('random')()[0] as number
    if (!(x >= 0 && x < 1)) t.fail(`random() gave ${x}`)
    const y = fn('random')(6)[0] as number
    if (!(Number.isInteger(y) && y >= 1 && y <= 6)) t.fail(`random(6) gave ${y}`)
    const z = fn('random')(-2, 2)[0] as number
    if (!(Number.isInteger(z) && z >= -2 && z <= 2)) t.fail(`random(-2, 2) gave ${z}`)
  }
  const seen = new Set<number>()
  for (let i = 0; i < 200; i++) seen.add(fn('random')(3)[0] as number)
  t.same([...seen].sort(), [1, 2, 3], 'every value of a small range comes up')
  t.throws(() => fn('random')(new LuaTable()), new LuaError("bad argument #1 to 'random' (number expected, got table)"))
  t.end()
})

t.test('math.randomseed makes the sequence repeatable, as in LuaJIT', (t) => {
  const draw = () => Array.from({ length: 8 }, () => fn('random')(1e9)[0])
  t.same(fn('randomseed')(42), [])
  const a = draw()
  fn('randomseed')(42)
  t.same(draw(), a, 'the same seed, the same numbers')
  fn('randomseed')(43)
  t.notSame(draw(), a, 'another seed, other numbers')
  t.end()
})

t.test("Kong's sandbox has no math.randomseed: no snippet can reseed the process's generator", (t) => {
  // kong/tools/sandbox/environment/lua.lua lists math.random but not math.randomseed.
  const sandboxMath = sandboxGlobals([]).getStr('math') as LuaTable
  t.equal(sandboxMath.getStr('randomseed'), undefined)
  t.type(sandboxMath.getStr('random'), 'function')
  t.end()
})

t.test('the math and bit tables are read-only', (t) => {
  t.throws(() => math.setStr('pi', 3), new LuaError('Cannot modify math.pi. Protected by the sandbox.'))
  t.throws(() => standardLibs().bit!.setStr('band', undefined), new LuaError('Cannot modify bit.band. Protected by the sandbox.'))
  t.equal(math.getStr('pi'), Math.PI)
  t.end()
})
