// Writes random but valid Lua programs into corpus/generated/ for the
// differential test: arithmetic, string operations, tables, closures, varargs,
// pcall and control flow with bounded loops only. Seeded and deterministic:
// the same seed and count always write the same files, so the generated corpus
// is committed and stable; change the seed to explore, then re-record.
//
//   node test/lua/differential/generate.mjs                 # seed 13, 220 programs
//   node test/lua/differential/generate.mjs --seed 7 --count 50
//
// Then `node test/lua/differential/record.mjs generated` records what luajit
// prints. Programs avoid what cannot match by design (see README.md): they
// never print addresses, iterate hash keys in pairs order, or use math.random.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = dirname(fileURLToPath(import.meta.url))
const OUT = join(HERE, 'corpus', 'generated')
const MAX_LINES = 50

function arg(name, fallback) {
  const i = process.argv.indexOf(name)
  return i >= 0 && process.argv[i + 1] !== undefined ? Number(process.argv[i + 1]) : fallback
}

/** mulberry32: a small seeded PRNG (deterministic across Node versions). */
function prng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** One program's generator: its random source, the variables in scope, fresh names. */
class Gen {
  constructor(rand) {
    this.rand = rand
    this.nums = [] // names of locals holding numbers
    this.strs = [] // names of locals holding strings
    this.n = 0
  }
  int(lo, hi) {
    return lo + Math.floor(this.rand() * (hi - lo + 1))
  }
  pick(list) {
    return list[Math.floor(this.rand() * list.length)]
  }
  chance(p) {
    return this.rand() < p
  }
  fresh(prefix) {
    return `${prefix}${++this.n}`
  }

  /** A number literal: small integers mostly, some floats, negatives in parentheses. */
  numLit() {
    const k = this.int(0, 9)
    let v
    if (k < 5) v = String(this.int(0, 100))
    else if (k < 7) v = this.pick(['0.5', '0.25', '1.5', '2.75', '0.1', '3.125', '1e3', '2.5e-3', '12.5', '0.2'])
    else if (k < 9) v = String(this.int(1000, 99999))
    else v = this.pick(['0x10', '0xff', '1e15', '2^31', '2^53', '123456789012345', '1e-5'])
    return this.chance(0.2) ? `(-${v})` : v
  }

  /** A numeric expression of bounded depth over literals and number locals. */
  numExpr(depth = this.int(1, 3)) {
    if (depth <= 0 || this.chance(0.25)) {
      if (this.nums.length > 0 && this.chance(0.5)) return this.pick(this.nums)
      return this.numLit()
    }
    const k = this.int(0, 13)
    const a = () => this.numExpr(depth - 1)
    if (k <= 2) return `(${a()} + ${a()})`
    if (k <= 4) return `(${a()} - ${a()})`
    if (k <= 6) return `(${a()} * ${a()})`
    if (k === 7) return `(${a()} / ${a()})`
    if (k === 8) return `(${a()} % ${a()})`
    // Small integer exponents only: C's pow and V8's Math.pow may differ in the last bit elsewhere.
    if (k === 9) return `(${a()} ^ ${this.int(0, 3)})`
    if (k === 10) return `(-${a()})`
    if (k === 11) return `math.${this.pick(['floor', 'ceil', 'abs'])}(${a()})`
    if (k === 12) return `math.${this.pick(['max', 'min'])}(${a()}, ${a()})`
    return `(${a()} == ${a()} and ${a()} or ${a()})`
  }

  /** An integer-valued expression that stays finite: + - * and % by a positive literal. */
  intExpr(depth) {
    if (depth <= 0 || this.chance(0.3)) return this.chance(0.2) ? `(-${this.int(0, 5000)})` : String(this.int(0, 5000))
    const a = () => this.intExpr(depth - 1)
    return this.pick([() => `(${a()} + ${a()})`, () => `(${a()} - ${a()})`, () => `(${a()} * ${a()})`, () => `(${a()} % ${this.int(1, 97)})`])()
  }

  /** A string expression. */
  strExpr(depth = this.int(0, 2)) {
    const words = ['kong', 'lua', 'Gateway', 'x', '', 'a-b', 'route_1', 'HTTP/1.1', 'hello world', '%d', 'UPPER lower']
    if (depth <= 0 || this.chance(0.3)) {
      if (this.strs.length > 0 && this.chance(0.5)) return this.pick(this.strs)
      return JSON.stringify(this.pick(words))
    }
    const s = () => this.strExpr(depth - 1)
    const k = this.int(0, 9)
    if (k <= 2) return `(${s()} .. ${s()})`
    if (k === 3) return `(${s()} .. ${this.numExpr(1)})`
    // Parenthesised: a method call on a string literal needs ("lit"):upper().
    if (k === 4) return `(${s()}):upper()`
    if (k === 5) return `(${s()}):lower()`
    if (k === 6) return `(${s()}):rep(${this.int(0, 3)})`
    if (k === 7) return `(${s()}):sub(${this.int(-4, 4)}, ${this.int(-4, 6)})`
    if (k === 8) return `(${s()}):reverse()`
    return `tostring(${this.numExpr(1)})`
  }

  /** Statements: each returns lines of Lua. */
  blockNumbers() {
    const lines = []
    const count = this.int(1, 3)
    const names = []
    for (let i = 0; i < count; i++) {
      const v = this.fresh('n')
      lines.push(`local ${v} = ${this.numExpr()}`)
      this.nums.push(v)
      names.push(v)
    }
    lines.push(`print(${names.join(', ')})`)
    return lines
  }

  blockStrings() {
    const v = this.fresh('s')
    const lines = [`local ${v} = ${this.strExpr(2)}`]
    this.strs.push(v)
    const k = this.int(0, 4)
    if (k === 0) lines.push(`print(#${v}, ${v}:upper(), ${v}:byte(1), ${v}:find("${this.pick(['a', 'o', '-', ' ', 'l'])}", 1, true))`)
    else if (k === 1) lines.push(`print((${v}:gsub("${this.pick(['%a', '%d', '[aeiou]', '%s', '%p', 'l+'])}", "${this.pick(['*', '<%0>', '', '%%'])}")))`)
    else if (k === 2) lines.push(`print(string.format("%q|%5s|%-6s|%d", ${v}, ${v}:sub(1, 3), ${v}:sub(-2), #${v}))`)
    else if (k === 3) lines.push(`print(${v}:match("${this.pick(['^(%a+)', '(%d+)', '(.)(.)', '^(.-)%s', '([%u]+)'])}"))`)
    else lines.push(`print(${v} .. "|" .. ${v}:rep(2, ","), ${v} == ${this.strExpr(1)}, ${v} < ${this.strExpr(1)})`)
    return lines
  }

  blockFormat() {
    const specs = ['%d', '%5d', '%-5d|', '%05d', '%x', '%X', '%o', '%.3f', '%10.2f', '%e', '%.2e', '%g', '%.3g', '%s', '%5.1f', '%+d']
    const n = this.int(1, 3)
    const fmt = []
    const args = []
    for (let i = 0; i < n; i++) {
      const spec = this.pick(specs)
      fmt.push(spec)
      // %d/%x/%o get finite integers (inf/nan there would test C's undefined behaviour).
      if (/[dxXo]/.test(spec)) args.push(this.intExpr(2))
      else args.push(spec === '%s' ? this.strExpr(1) : this.numExpr(2))
    }
    return [`print(string.format(${JSON.stringify(fmt.join(' '))}, ${args.join(', ')}))`]
  }

  blockNumericFor() {
    const acc = this.fresh('acc')
    const i = this.fresh('i')
    const a = this.int(-5, 10)
    const b = a + this.int(-3, 20)
    const step = this.pick(['', ', 2', ', 3', ', -1', ', -2', ', 0.5'])
    const lines = [`local ${acc} = 0`, `for ${i} = ${a}, ${b}${step} do`]
    const k = this.int(0, 3)
    if (k === 0) lines.push(`  ${acc} = ${acc} + ${i} * ${this.int(1, 5)}`)
    else if (k === 1)
      lines.push(
        `  if ${i} % ${this.int(2, 4)} == 0 then ${acc} = ${acc} + ${i} elseif ${i} > ${this.int(0, 8)} then ${acc} = ${acc} - 1 else ${acc} = ${acc} * 2 end`,
      )
    else if (k === 2) lines.push(`  if ${acc} > ${this.int(10, 100)} then break end`, `  ${acc} = ${acc} + ${i} ^ 2`)
    else lines.push(`  if ${i} % 3 == 1 then goto continue end`, `  ${acc} = ${acc} + ${i}`, `  ::continue::`)
    lines.push('end', `print("${acc}", ${acc})`)
    this.nums.push(acc)
    return lines
  }

  blockWhile() {
    const n = this.fresh('w')
    const steps = this.fresh('steps')
    const limit = this.int(5, 500)
    const lines = [`local ${n}, ${steps} = ${this.int(1, 50)}, 0`]
    if (this.chance(0.5)) {
      lines.push(`while ${n} < ${limit} and ${steps} < 100 do`, `  ${n} = ${n} * ${this.int(2, 3)} + ${this.int(0, 3)}`, `  ${steps} = ${steps} + 1`, 'end')
    } else {
      lines.push('repeat', `  ${n} = ${n} + ${this.int(1, 7)}`, `  ${steps} = ${steps} + 1`, `until ${n} >= ${limit} or ${steps} >= 100`)
    }
    lines.push(`print(${n}, ${steps})`)
    this.nums.push(n)
    return lines
  }

  blockArray() {
    const t = this.fresh('t')
    const size = this.int(0, 12)
    const lines = [`local ${t} = {}`, `for k = 1, ${size} do ${t}[#${t} + 1] = (k * ${this.int(1, 17)}) % ${this.int(5, 23)} end`]
    const ops = this.int(1, 3)
    for (let i = 0; i < ops; i++) {
      const k = this.int(0, 5)
      // Integers only: a nan in the array would make sort's result depend on the algorithm.
      if (k === 0) lines.push(`table.insert(${t}, ${this.int(-50, 50)})`)
      else if (k === 1) lines.push(`table.insert(${t}, 1, ${this.int(-9, 9)})`)
      else if (k === 2) lines.push(`table.remove(${t}${this.chance(0.5) ? ', 1' : ''})`)
      else if (k === 3) lines.push(`table.sort(${t})`)
      else if (k === 4) lines.push(`table.sort(${t}, function(a, b) return a > b end)`)
      else lines.push(`${t}[#${t} + 1] = #${t}`)
    }
    lines.push(`print(#${t}, table.concat(${t}, ","))`)
    return lines
  }

  blockHash() {
    const t = this.fresh('h')
    const keys = ['alpha', 'beta', 'gamma', 'delta', 'id', 'name', 'x', 'y', 'n1', 'n2']
    const lines = [`local ${t} = {}`]
    const count = this.int(1, 6)
    for (let i = 0; i < count; i++) {
      const key = this.pick(keys)
      lines.push(this.chance(0.7) ? `${t}.${key} = ${this.numExpr(1)}` : `${t}["${key}"] = ${this.strExpr(1)}`)
    }
    if (this.chance(0.4)) lines.push(`${t}.${this.pick(keys)} = nil`)
    lines.push(`local ks = {}`, `for k, v in pairs(${t}) do ks[#ks + 1] = k .. "=" .. tostring(v) end`, `table.sort(ks)`, `print(#ks, table.concat(ks, " "))`)
    return lines
  }

  blockClosure() {
    const mk = this.fresh('make')
    const f = this.fresh('f')
    const g = this.fresh('g')
    const step = this.numLit()
    const lines = [
      `local function ${mk}(start)`,
      `  local total = start`,
      `  return function(d) total = total + (d or ${step}) return total end, function() return total end`,
      `end`,
      `local ${f}, ${g} = ${mk}(${this.int(-10, 10)})`,
    ]
    const calls = []
    for (let i = this.int(1, 4); i > 0; i--) calls.push(this.chance(0.5) ? `${f}()` : `${f}(${this.int(-5, 5)})`)
    lines.push(`print(${calls.join(', ')}, ${g}())`)
    return lines
  }

  blockVarargs() {
    const f = this.fresh('va')
    const args = []
    for (let i = this.int(0, 5); i > 0; i--) args.push(this.chance(0.2) ? 'nil' : this.numLit())
    return [
      `local function ${f}(...)`,
      `  local n, s = select("#", ...), 0`,
      `  for i = 1, n do local v = select(i, ...) if v then s = s + v end end`,
      `  return n, s, ...`,
      `end`,
      `print(${f}(${args.join(', ')}))`,
      `print((${f}(${args.join(', ')})))`,
    ]
  }

  blockRecursion() {
    const f = this.fresh('rec')
    const k = this.int(0, 2)
    if (k === 0) return [`local function ${f}(n) if n <= 1 then return 1 end return n * ${f}(n - 1) end`, `print(${f}(${this.int(0, 20)}))`]
    if (k === 1) return [`local function ${f}(n) if n < 2 then return n end return ${f}(n - 1) + ${f}(n - 2) end`, `print(${f}(${this.int(0, 15)}))`]
    return [`local function ${f}(a, b) if b == 0 then return a end return ${f}(b, a % b) end`, `print(${f}(${this.int(1, 5000)}, ${this.int(1, 5000)}))`]
  }

  blockPcall() {
    const k = this.int(0, 4)
    if (k === 0) return [`print(pcall(function() local t = nil return t.${this.pick(['x', 'field', 'y'])} end))`]
    if (k === 1) return [`print(pcall(function() return ${this.numExpr(1)} + {} end))`]
    if (k === 2) return [`print(pcall(error, ${this.chance(0.5) ? this.strExpr(1) : this.numLit()}))`]
    if (k === 3) return [`print(pcall(function() error("e" .. ${this.numExpr(1)}) end))`]
    return [`print(select("#", pcall(function(...) return ... end, ${this.numLit()}, nil)))`]
  }

  blockCompare() {
    const a = this.numExpr(2)
    const b = this.numExpr(2)
    return [`print(${a} < ${b}, ${a} <= ${b}, ${a} == ${b}, ${a} ~= ${b}, not (${a} > ${b}))`]
  }

  blockCoerce() {
    const k = this.int(0, 2)
    if (k === 0) return [`print("${this.int(0, 99)}" + ${this.numLit()}, "${this.int(1, 9)}" * "${this.int(1, 9)}", ${this.numLit()} .. "")`]
    if (k === 1) return [`print(tonumber("${this.pick(['0x1f', ' 42 ', '1e2', '7.5', 'abc', '', '0b11', '-0'])}"), tostring(${this.numExpr(1)}))`]
    return [`print(tonumber("${this.pick(['101', 'ff', 'z', '777', '10'])}", ${this.pick([2, 8, 16, 36, 10])}))`]
  }

  program() {
    const blocks = [
      [this.blockNumbers, 4],
      [this.blockStrings, 3],
      [this.blockFormat, 2],
      [this.blockNumericFor, 3],
      [this.blockWhile, 2],
      [this.blockArray, 3],
      [this.blockHash, 2],
      [this.blockClosure, 2],
      [this.blockVarargs, 1],
      [this.blockRecursion, 1],
      [this.blockPcall, 1],
      [this.blockCompare, 2],
      [this.blockCoerce, 1],
    ]
    const total = blocks.reduce((s, [, w]) => s + w, 0)
    const lines = []
    const wanted = this.int(4, 9)
    for (let i = 0; i < wanted; i++) {
      let r = this.rand() * total
      let chosen = blocks[0][0]
      for (const [fn, w] of blocks) {
        if (r < w) {
          chosen = fn
          break
        }
        r -= w
      }
      const more = chosen.call(this)
      if (lines.length + more.length > MAX_LINES) break
      lines.push(...more)
    }
    return lines
  }
}

const seed = arg('--seed', 13)
const count = arg('--count', 220)
mkdirSync(OUT, { recursive: true })
// Old programs (and their .expected) go: a smaller count must not leave stale files behind.
for (const f of readdirSync(OUT)) if (f.startsWith('gen-')) rmSync(join(OUT, f))
const rand = prng(seed)
for (let i = 0; i < count; i++) {
  const g = new Gen(prng(Math.floor(rand() * 2 ** 32)))
  const header = `-- Generated by generate.mjs (seed ${seed}, program ${i}); regenerate rather than edit.`
  const name = `gen-${String(i).padStart(3, '0')}.lua`
  writeFileSync(join(OUT, name), [header, ...g.program()].join('\n') + '\n')
}
console.log(`wrote ${count} programs to ${OUT} (seed ${seed}); now run record.mjs generated`)
