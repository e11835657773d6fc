// The table library: LuaJIT's functions compared with what LuaJIT prints for the same Lua
// (see luajit-cases.ts); OpenResty's additions (clone, isarray, isempty, nkeys) and the
// Lua 5.2 ones Kong's build has (pack, unpack), which Debian's luajit lacks, against the
// examples of their documentation; read-only library tables stay unchanged.
import t from 'tap'
import { LuaError } from '../../../src/lua/core/errors.js'
import { LuaTable, type LuaFunction, type LuaValue } from '../../../src/lua/core/value.js'
import { standardLibs, tableModule } from '../../../src/lua/lib/index.js'
import { checkCases } from './luajit-cases.js'

checkCases('table', [
  // concat
  'table.concat({1, 2, 3})',
  'table.concat({1, 2, 3}, ", ")',
  'table.concat({1, 2, 3}, ", ", 2)',
  'table.concat({1, 2, 3}, ", ", 2, 3)',
  'table.concat({1, 2, 3}, ", ", 3, 2)',
  'table.concat({1, 2.5, "x"}, "-")',
  'table.concat({}, "x")',
  'table.concat({"a", "b"}, 0)',
  'table.concat({1, {}, 3})',
  'table.concat({1, 2, 3}, ", ", 2, 5)',
  'table.concat({1, true})',
  'table.concat({1, 2}, {})',
  'table.concat({1, 2}, nil, 1, 2)',
  'table.concat({1, 2}, "", "1", "2")',
  'table.concat({1, 2}, "", 0)',
  'table.concat({[0] = "z", "a"}, "", 0)',
  'table.concat({1e15, 0.1, -0.0}, " ")',
  'table.concat(nil)',
  'table.concat()',
  'table.concat({}, "", 1, "x")',
  // insert
  'table.insert({1, 2}, 3)',
  'table.insert({1, 2, 3}, 1, 0)',
  'table.insert({1, 2, 3}, 2, "x")',
  'table.insert({1, 2, 3}, 4, "x")',
  'table.insert({1, 2, 3}, 0, 9)',
  'table.insert({1, 2, 3}, 10, 9)',
  'table.insert({1, 2, 3}, 2.5, 9)',
  'table.insert({1, 2, 3}, "2", 9)',
  'table.insert({1, 2, 3}, -1, 9)',
  'table.insert({}, "a")',
  'table.insert({}, nil)',
  'table.insert({1}, 1, nil)',
  'table.insert({}, 1, 2, 3)',
  'table.insert({})',
  'table.insert({}, "x", 1)',
  'table.insert(nil, 1)',
  'table.insert()',
  // remove
  'table.remove({1, 2, 3})',
  'table.remove({1, 2, 3}, 1)',
  'table.remove({1, 2, 3}, 2)',
  'table.remove({1, 2, 3}, 3)',
  'table.remove({1, 2, 3}, 5)',
  'table.remove({1, 2, 3}, 0)',
  'table.remove({1, 2, 3}, -1)',
  'table.remove({})',
  'table.remove({}, 0)',
  'table.remove({n = 1}, 1)',
  'table.remove({1, 2, 3}, 1.5)',
  'table.remove({1, 2, 3, 4, 5}, 2.5)',
  'table.remove({1, 2, 3, 4, 5}, 5.5)',
  'table.remove({1, 2, 3, 4, 5}, 0.5)',
  'table.remove(withidx({1, 2}, {9, 9, 9}), 1)',
  'table.remove({1, 2, 3}, "2")',
  'table.remove({1, 2, 3}, "x")',
  'table.remove(nil)',
  'table.remove()',
  // sort
  'table.sort({3, 1, 2})',
  'table.sort({5, 2, 8, 1, 9, 3, 7, 4, 6, 10, 15, 12, 11, 14, 13})',
  'table.sort({"banana", "apple", "Cherry", "date"})',
  'table.sort({3, 1, 2}, gt)',
  'table.sort({5, 3, 1, 4, 2, 6, 7, 8, 9, 10, 11, 12}, gt)',
  'table.sort({})',
  'table.sort({1})',
  'table.sort({2, 1})',
  'table.sort({3, 1, 2}, truef)',
  'table.sort({5, 3, 1, 4, 2, 6, 7, 8, 9, 10, 11, 12}, truef)',
  'table.sort({1, 1, 1, 1, 1, 1, 1, 1}, truef)',
  'table.sort({3, 1, "x"})',
  'table.sort({3, 1, {}})',
  'table.sort({3, 1, 2}, errf)',
  'table.sort({1, 2, 3}, 1)',
  'table.sort({"b", "a"}, nil)',
  'table.sort(nil)',
  'table.sort({1.5, -2, 1e10, 0, -0.5, 7})',
  'table.sort({"a\\200", "a\\100", "a", "\\0"})',
  // maxn, getn
  'table.maxn({1, 2, [10] = 3, [20.5] = 1})',
  'table.maxn({})',
  'table.maxn({[-5] = 1})',
  'table.maxn({a = 1, [3] = 2})',
  'table.maxn({1, 2, 3})',
  'table.maxn(nil)',
  'table.getn({1, 2, 3})',
  'table.getn({})',
  'table.getn(nil)',
  'table.getn()',
  // foreach, foreachi
  'table.foreach({1, 2, a = 3}, stop2)',
  'table.foreach({5, 6}, nilf)',
  'table.foreach({}, stop2)',
  'table.foreachi({1, 2, 3}, stop2)',
  'table.foreachi({1, 5, 3}, stop2)',
  'table.foreachi({1, 2}, 5)',
  'table.foreachi(nil, stop2)',
  'table.foreach()',
  'table.foreachi(withidx({1}, {nil, 2}), stop2)',
  // move
  'table.move({1, 2, 3}, 1, 3, 2)',
  'table.move({1, 2, 3}, 2, 3, 1)',
  'table.move({1, 2, 3}, 1, 3, 1, {})',
  'table.move({1, 2, 3}, 1, 0, 1, {})',
  'table.move({1, 2, 3}, 1, 3, 5)',
  'table.move({1, 2, 3}, "1", "2", "3")',
  'table.move({1, 2, 3}, 1, 3)',
  'table.move({}, 1, 2, 3, 4)',
  'table.move(nil, 1, 2, 3)',
  'table.move({1, 2, 3}, 1.5, 2.5, 3.5, {})',
  'table.move({1, 2, 3, 4, 5}, 1.5, 3, 2)',
  'table.move({1, 2}, 1, 2, 1, withidx({}, {5, 5}))',
  'table.move({}, 1.5)',
  // new, clear (require "table.new" / "table.clear" in LuaJIT)
  'table.new(10, 10)',
  'table.new(0, 0)',
  'table.new("x", 1)',
  'table.new(1)',
  'table.clear({1, 2, a = 1})',
  'table.clear({})',
  'table.clear(nil)',
  // unpack (the base library's in Debian's luajit; table.unpack in Kong's 5.2 build)
  'unpack({1, 2, 3})',
  'unpack({1, 2, 3}, 2)',
  'unpack({1, 2, 3}, 2, 3)',
  'unpack({1, 2, 3}, -1, 1)',
  'unpack({1, 2, 3}, 3, 1)',
  'unpack({1, false, 3})',
  'unpack({}, 1, 3)',
  'unpack({1, 2}, "1", "2")',
  'unpack({}, 1, 8000)',
  'unpack({}, 1, 1e10)',
  'unpack({}, -2^31, 2^31 - 1)',
  'unpack(nil)',
  'unpack({}, "x")',
])

const lib = standardLibs().table!
const fn = (name: string): LuaFunction => lib.getStr(name) as LuaFunction
const arr = (...v: LuaValue[]): LuaTable => new LuaTable(v)
const rec = (o: Record<string, LuaValue>, a: LuaValue[] = []): LuaTable => {
  const t = new LuaTable(a)
  for (const k of Object.keys(o)) t.setStr(k, o[k])
  return t
}

// Examples from OpenResty's luajit2 README (table.isempty, isarray, nkeys, clone).
t.test('table.isempty as OpenResty documents it', (t) => {
  t.same(fn('isempty')(arr()), [true])
  t.same(fn('isempty')(arr(undefined)), [true], '{nil, dog = nil}')
  t.same(fn('isempty')(arr('a', 'b')), [false])
  t.same(fn('isempty')(arr(undefined, 3)), [false])
  t.same(fn('isempty')(rec({ cat: 3 })), [false])
  t.throws(() => fn('isempty')(), new LuaError("bad argument #1 to 'isempty' (table expected, got no value)"))
  t.end()
})

t.test('table.isarray as OpenResty documents it', (t) => {
  t.same(fn('isarray')(arr('a', true, 3.14)), [true])
  t.same(fn('isarray')(rec({ dog: 3 })), [false])
  t.same(fn('isarray')(arr()), [true])
  const sparse = new LuaTable()
  sparse.set(1, 'a')
  sparse.set(100, 'b')
  sparse.set(-3, 'c')
  t.same(fn('isarray')(sparse), [true], 'any integral keys, even sparse or negative ones')
  const frac = new LuaTable()
  frac.set(1.5, 'x')
  t.same(fn('isarray')(frac), [false])
  t.end()
})

t.test('table.nkeys as OpenResty documents it', (t) => {
  t.same(fn('nkeys')(arr()), [0])
  t.same(fn('nkeys')(arr('a', undefined, 'b')), [2])
  t.same(fn('nkeys')(rec({ dog: 3, cat: 4, bird: undefined })), [2])
  t.same(fn('nkeys')(rec({ dog: 3, cat: 4 }, ['a'])), [3])
  t.end()
})

t.test('table.clone makes a shallow copy without the metatable', (t) => {
  const inner = arr(5, 6, 7)
  const x = rec({ x: 12, y: inner })
  x.metatable = new LuaTable()
  const y = fn('clone')(x)[0] as LuaTable
  t.not(y, x)
  t.equal(y.getStr('x'), 12)
  t.equal(y.getStr('y'), inner, 'nested tables are shared')
  t.equal(y.metatable, undefined)
  y.setStr('x', 13)
  t.equal(x.getStr('x'), 12, 'writes to the copy do not reach the original')
  t.end()
})

t.test('table.pack and table.unpack (Kong builds LuaJIT with Lua 5.2 compatibility)', (t) => {
  const p = fn('pack')(1, undefined, 3, undefined)[0] as LuaTable
  t.equal(p.getStr('n'), 4)
  t.same([p.get(1), p.get(2), p.get(3), p.get(4)], [1, undefined, 3, undefined])
  t.equal((fn('pack')()[0] as LuaTable).getStr('n'), 0)
  t.same(fn('unpack')(arr('a', 'b', 'c'), 2), ['b', 'c'])
  t.equal(fn('unpack')(arr(), 1, 7999).length, 7999, 'up to 7999 values, as LuaJIT')
  t.end()
})

t.test('require "table.new" and friends return the same functions', (t) => {
  for (const name of ['new', 'clear', 'clone', 'isarray', 'isempty', 'nkeys']) t.equal(tableModule(`table.${name}`), fn(name), name)
  t.equal(tableModule('table.nope'), undefined)
  t.end()
})

t.test('library tables cannot be changed through the table functions', (t) => {
  const string = standardLibs().string!
  const before = [...string.hash!.keys()].length
  const msg = /^Cannot modify string\.\w+\. Protected by the sandbox\.$/
  t.throws(() => fn('insert')(string, 'x'), new LuaError('Cannot modify string.1. Protected by the sandbox.'))
  t.throws(() => fn('clear')(string), { message: msg })
  t.throws(() => fn('move')(arr(1), 1, 1, 1, lib), new LuaError('Cannot modify table.1. Protected by the sandbox.'))
  t.throws(() => fn('insert')(lib, 1, 'x'), new LuaError('Cannot modify table.1. Protected by the sandbox.'))
  t.equal([...string.hash!.keys()].length, before)
  t.equal(typeof string.getStr('upper'), 'function')
  t.end()
})
