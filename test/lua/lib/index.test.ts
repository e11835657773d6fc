// openLibs: every chunk environment gets the same read-only library tables, and the
// string library answers method calls on strings.
import t from 'tap'
import { LuaError } from '../../../src/lua/core/errors.js'
import { call, index, setindex } from '../../../src/lua/core/ops.js'
import { LuaTable } from '../../../src/lua/core/value.js'
import { openLibs } from '../../../src/lua/lib/index.js'

t.test('openLibs installs string, table, math, bit and os', (t) => {
  const env = new LuaTable()
  t.equal(openLibs(env), env)
  for (const name of ['string', 'table', 'math', 'bit', 'os']) t.ok(env.getStr(name) instanceof LuaTable, name)
  t.equal(call(index(index(env, 'string'), 'format'), ['%d-%s', 3, 'x'])[0], '3-x')
  t.equal(call(index('abc', 'upper'), ['abc'])[0], 'ABC', '("abc"):upper()')
  t.end()
})

t.test('two environments share the libraries but not their globals', (t) => {
  const a = openLibs()
  const b = openLibs()
  t.equal(a.getStr('string'), b.getStr('string'), 'one shared, read-only table')
  setindex(a, 'string', undefined)
  t.equal(a.getStr('string'), undefined, 'a chunk may drop its own global')
  t.ok(b.getStr('string') instanceof LuaTable, 'the other chunk still has it')
  t.throws(() => setindex(b.getStr('math'), 'floor', undefined), new LuaError('Cannot modify math.floor. Protected by the sandbox.'))
  t.throws(() => setindex(b.getStr('os'), 'execute', 1), new LuaError('Cannot modify os.execute. Protected by the sandbox.'))
  t.end()
})
