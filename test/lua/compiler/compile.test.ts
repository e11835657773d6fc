// Shapes of code a compiler to JS could choke on and LuaJIT takes: long flat
// chains of left-associative operators (thousands of terms), long statement
// lists, many functions. Each result is checked against luajit when present.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import t from 'tap'
import { runLuaForTest } from '../../../src/lua/compiler/index.js'

const N = 3000
const CASES: [string, string, string][] = [
  ['long arithmetic chain', `local x = 2 print(x${' * 1 + x'.repeat(N)})`, `${2 * (N + 1)}\n`],
  ['long constant chain', `print(1${' + 1'.repeat(N)})`, `${N + 1}\n`],
  ['long or chain', `local f, x = false, 7 print(f${' or f'.repeat(N)} or x)`, '7\n'],
  ['long and chain in a condition', `local x = 1 if x${' and x'.repeat(N)} then print("yes") end`, 'yes\n'],
  ['long and chain as a value', `local x = 1 print(x${' and x'.repeat(N)} and "last")`, 'last\n'],
  ['long statement list', `local n = 0\n${'n = n + 1\n'.repeat(N)}print(n)`, `${N}\n`],
  [
    'many functions',
    `local fs = {}\n${Array.from({ length: 300 }, (_, i) => `fs[${i + 1}] = function() return ${i} end`).join('\n')}\nprint(fs[300]())`,
    '299\n',
  ],
]

for (const [name, lua, want] of CASES) {
  t.test(name, async (t) => {
    const r = runLuaForTest(lua)
    t.equal(r.error, undefined)
    t.equal(r.output, want)
    const g = runLuaForTest(`${lua}\n-- coroutine`)
    t.equal(g.output, want, 'compiled as generators')
    if (existsSync('/usr/bin/luajit')) t.equal(spawnSync('/usr/bin/luajit', ['-'], { input: lua }).stdout.toString(), want, 'luajit agrees')
    else t.comment('NOT CHECKED: luajit not installed')
  })
}
