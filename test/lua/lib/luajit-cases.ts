// Compares library calls made from TypeScript with what LuaJIT prints for the same Lua.
//
// A case is one Lua call expression, e.g. `string.format("%5.2f", 3.14159)`. It runs twice:
// - under /usr/bin/luajit, inside a generated script that prints one line per case;
// - here, by evaluating the same expression (parsed with luaparse) against our libraries.
// Both sides print the line the same way: "ok <results>" or "err <message>" (LuaJIT's
// "cases.lua:N: " position prefix dropped: positions are the compiler's job), then the
// state of every table argument after the call. Strings are quoted with control and
// high bytes as \ddd; tables as {key=value,...} with keys sorted, so neither addresses
// nor hash order show.
//
// LuaJIT's lines are stored in expected/<name>.json, so the tests pass where luajit is not
// installed ("NOT CHECKED: luajit not installed" is printed for the live comparison).
// With luajit present the stored lines must still equal luajit's (UPDATE_LUAJIT_EXPECTED=1
// rewrites them).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { LuaError } from '../../../src/lua/core/errors.js'
import { call, index, setindex, tostring, truthy } from '../../../src/lua/core/ops.js'
import { LuaTable, numberToString, typeName, type LuaFunction, type LuaValue } from '../../../src/lua/core/value.js'
import { standardLibs } from '../../../src/lua/lib/index.js'

// LUAJIT_BIN=/nonexistent checks the stored expectations alone, as on a machine without luajit.
const LUAJIT = process.env.LUAJIT_BIN ?? '/usr/bin/luajit'
const here = dirname(fileURLToPath(import.meta.url))

type Node = { type: string; [k: string]: any }
const luaparse = createRequire(import.meta.url)('luaparse') as { parse(src: string, opts: object): Node }

/**
 * Helpers both sides define: Lua source for luajit, the same behaviour in TypeScript here.
 */
const HELPERS_LUA = `
local function up(s) return s:upper() end
local function cat(...) local t = {...} for i = 1, select('#', ...) do t[i] = tostring(t[i]) end return table.concat(t, "|") end
local function lenf(s) return #s end
local function nilf() return nil end
local function falsef() return false end
local function tblf() return {} end
local function errf(x) error("boom: " .. tostring(x), 0) end
local function gt(a, b) return a > b end
local function truef() return true end
local function stop2(k, v) if v == 2 then return "stop" .. k end end
local function collect(f) local out = {} while true do local r = {f()} if r[1] == nil then break end for i = 1, #r do r[i] = tostring(r[i]) end out[#out + 1] = "[" .. table.concat(r, ",") .. "]" end return table.concat(out) end
local function withts(s) return setmetatable({}, {__tostring = function() return s end}) end
local function withidx(t, d) return setmetatable(t, {__index = d}) end
local function withmul(v) return setmetatable({}, {__mul = function(a, b) return v end}) end
`

const s = (x: LuaValue): string => (typeof x === 'string' ? x : tostring(x))
const HELPERS_TS: Record<string, LuaFunction> = {
  up: (x) => [(x as string).toUpperCase()],
  cat: (...a) => [a.map(s).join('|')],
  lenf: (x) => [(x as string).length],
  nilf: () => [undefined],
  falsef: () => [false],
  tblf: () => [new LuaTable()],
  errf: (x) => {
    throw new LuaError('boom: ' + s(x))
  },
  gt: (a, b) => [(a as number) > (b as number)],
  truef: () => [true],
  stop2: (k, v) => (v === 2 ? ['stop' + s(k)] : [undefined]),
  collect: (f) => {
    let out = ''
    for (;;) {
      const r = call(f, [])
      if (r[0] === undefined) break
      out += '[' + r.map(s).join(',') + ']'
    }
    return [out]
  },
  withts: (x) => {
    const t = new LuaTable()
    t.metatable = new LuaTable()
    t.metatable.setStr('__tostring', () => [x])
    return [t]
  },
  withidx: (t, d) => {
    ;(t as LuaTable).metatable = new LuaTable()
    ;(t as LuaTable).metatable!.setStr('__index', d)
    return [t]
  },
  withmul: (v) => {
    const t = new LuaTable()
    t.metatable = new LuaTable()
    t.metatable.setStr('__mul', () => [v])
    return [t]
  },
}

const SHOW_LUA = `
local function esc(s) return (s:gsub('[%c"\\\\\\128-\\255]', function(c) return "\\\\" .. c:byte() end)) end
local order = {boolean = 1, number = 2, string = 3}
local function keycmp(a, b)
  local ta, tb = order[type(a)] or 4, order[type(b)] or 4
  if ta ~= tb then return ta < tb end
  if ta == 2 or ta == 3 then return a < b end
  return false
end
local function show(v, d)
  local t = type(v)
  if t == "string" then return '"' .. esc(v) .. '"' end
  if t == "table" then
    if d > 2 then return "{...}" end
    local keys = {}
    for k in next, v do keys[#keys + 1] = k end
    table.sort(keys, keycmp)
    local parts = {}
    for i, k in ipairs(keys) do parts[i] = show(k, d + 1) .. "=" .. show(rawget(v, k), d + 1) end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  if t == "function" or t == "userdata" or t == "thread" then return t end
  return tostring(v)
end
local function pk(...) return {n = select('#', ...), ...} end
local function emit(ok, res)
  local out
  if ok then
    local p = {}
    for i = 1, res.n do p[i] = show(res[i], 0) end
    out = "ok " .. table.concat(p, ", ")
  else
    out = "err " .. (type(res) == "string" and res:gsub("^cases%.lua:%d+: ", "") or show(res, 0))
  end
  local A = ARGS
  if A then for i = 1, A.n do if type(A[i]) == "table" then out = out .. " | #" .. i .. "=" .. show(A[i], 0) end end end
  print(out)
end
`

function esc(x: string): string {
  // eslint-disable-next-line no-control-regex
  return x.replace(/[\x00-\x1f\x7f"\\\x80-\xff]/g, (c) => '\\' + c.charCodeAt(0))
}

const ORDER: Record<string, number> = { boolean: 1, number: 2, string: 3 }
function keycmp(a: LuaValue, b: LuaValue): number {
  const ta = ORDER[typeName(a)] ?? 4
  const tb = ORDER[typeName(b)] ?? 4
  if (ta !== tb) return ta - tb
  if (ta === 2 || ta === 3) return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0
  return 0
}

function show(v: LuaValue, d: number): string {
  const ty = typeName(v)
  if (typeof v === 'string') return '"' + esc(v) + '"'
  if (v instanceof LuaTable) {
    if (d > 2) return '{...}'
    const keys: LuaValue[] = []
    for (let e = v.next(undefined); e !== undefined; e = v.next(e[0])) keys.push(e[0])
    keys.sort(keycmp)
    return '{' + keys.map((k) => show(k, d + 1) + '=' + show(v.get(k), d + 1)).join(',') + '}'
  }
  if (ty === 'function' || ty === 'userdata' || ty === 'thread') return ty
  if (typeof v === 'number') return numberToString(v)
  return String(v ?? 'nil')
}

/** Evaluates a Lua expression of the case language: literals, tables, arithmetic on constants, calls. */
function evaluate(n: Node, env: LuaTable): LuaValue[] {
  switch (n.type) {
    case 'StringLiteral':
      return [n.value as string]
    case 'NumericLiteral':
      return [n.value as number]
    case 'NilLiteral':
      return [undefined]
    case 'BooleanLiteral':
      return [n.value as boolean]
    case 'Identifier':
      return [env.get(n.name as string)]
    case 'UnaryExpression': {
      const v = evaluate(n.argument, env)[0]
      if (n.operator === '-') return [-(v as number)]
      if (n.operator === '#') return [typeof v === 'string' ? v.length : (v as LuaTable).length()]
      if (n.operator === 'not') return [!truthy(v)]
      throw new Error(`unsupported unary ${n.operator}`)
    }
    case 'BinaryExpression': {
      const a = evaluate(n.left, env)[0]
      const b = evaluate(n.right, env)[0]
      switch (n.operator) {
        case '+':
          return [(a as number) + (b as number)]
        case '-':
          return [(a as number) - (b as number)]
        case '*':
          return [(a as number) * (b as number)]
        case '/':
          return [(a as number) / (b as number)]
        case '^':
          return [Math.pow(a as number, b as number)]
        case '..':
          return [s(a) + s(b)]
        default:
          throw new Error(`unsupported operator ${n.operator}`)
      }
    }
    case 'MemberExpression': {
      const base = evaluate(n.base, env)[0]
      return [index(base, n.identifier.name as string)]
    }
    case 'TableConstructorExpression': {
      const positional: LuaValue[] = []
      const keyed: [LuaValue, LuaValue][] = []
      for (const f of n.fields as Node[]) {
        if (f.type === 'TableValue') positional.push(evaluate(f.value, env)[0])
        else if (f.type === 'TableKeyString') keyed.push([f.key.name, evaluate(f.value, env)[0]])
        else keyed.push([evaluate(f.key, env)[0], evaluate(f.value, env)[0]])
      }
      const t = new LuaTable(positional)
      for (const [k, v] of keyed) setindex(t, k, v)
      return [t]
    }
    case 'CallExpression':
    case 'StringCallExpression':
    case 'TableCallExpression': {
      const args: LuaValue[] = n.type === 'CallExpression' ? (n.arguments as Node[]).map((x) => evaluate(x, env)[0]) : [evaluate(n.argument, env)[0]]
      if (n.base.type === 'MemberExpression' && n.base.indexer === ':') {
        const self = evaluate(n.base.base, env)[0]
        return call(index(self, n.base.identifier.name as string), [self, ...args])
      }
      return call(evaluate(n.base, env)[0], args)
    }
    default:
      throw new Error(`unsupported expression ${n.type}`)
  }
}

function parseCase(src: string): Node {
  const chunk = luaparse.parse(`return ${src}`, { luaVersion: 'LuaJIT', encodingMode: 'pseudo-latin1', ranges: true })
  return (chunk.body as Node[])[0]!.arguments[0] as Node
}

/** Our line for one case. */
function runOurs(src: string, env: LuaTable): string {
  const ast = parseCase(src)
  let args: LuaValue[] | undefined
  let out: string
  try {
    const isCall = ast.type === 'CallExpression'
    if (isCall) args = (ast.arguments as Node[]).map((x) => evaluate(x, env)[0])
    const callee = isCall && !(ast.base.type === 'MemberExpression' && ast.base.indexer === ':') ? evaluate(ast.base, env)[0] : undefined
    const res = callee !== undefined ? call(callee, args!) : evaluate(ast, env)
    out = 'ok ' + res.map((v) => show(v, 0)).join(', ')
  } catch (e) {
    if (!(e instanceof LuaError)) throw e
    out = 'err ' + (typeof e.value === 'string' ? e.value : show(e.value, 0))
  }
  if (args) args.forEach((v, i) => v instanceof LuaTable && (out += ` | #${i + 1}=${show(v, 0)}`))
  return out
}

/** The Lua script luajit runs: one `do ... end` block per case. */
function luaScript(cases: string[]): string {
  const blocks = cases.map((src) => {
    const ast = parseCase(src)
    if (ast.type === 'CallExpression' && !(ast.base.type === 'MemberExpression' && ast.base.indexer === ':')) {
      const callee = src.slice(0, src.indexOf('(')).trim()
      const args = (ast.arguments as Node[]).map((a) => `(${luaSource(src, a)})`)
      return `ARGS = nil; emit(pcall(function() local A = {n = ${args.length}, ${args.join(', ')}}; ARGS = A; return pk(${callee}(unpack(A, 1, A.n))) end))`
    }
    return `ARGS = nil; emit(pcall(function() return pk(${src}) end))`
  })
  return `require "table.new"; require "table.clear"\n${HELPERS_LUA}\n${SHOW_LUA}\n${blocks.join('\n')}\n`
}

/** The source text of an argument node (luaparse ranges). */
function luaSource(src: string, n: Node): string {
  const [a, b] = n.range as [number, number]
  const off = 'return '.length
  return src.slice(a - off, b - off)
}

function runLuajit(cases: string[], tz: string): string[] | undefined {
  if (!existsSync(LUAJIT)) return undefined
  const dir = mkdtempSync(join(tmpdir(), 'luajit-cases-'))
  const file = join(dir, 'cases.lua')
  writeFileSync(file, luaScript(cases), 'latin1')
  const out = execFileSync(LUAJIT, ['cases.lua'], { cwd: dir, encoding: 'latin1', env: { ...process.env, TZ: tz } })
  rmSync(dir, { recursive: true, force: true })
  return out.split('\n').slice(0, cases.length)
}

/**
 * Runs `cases` as one tap subtest: each case's line must equal LuaJIT's, live when
 * luajit is installed, else as stored in expected/<name>.json. Both sides run in the
 * time zone `tz` (UTC unless given).
 */
export function checkCases(name: string, cases: string[], tz = 'UTC'): void {
  t.test(`${name}: same output as LuaJIT`, (t) => {
    const savedTz = process.env.TZ
    process.env.TZ = tz
    t.teardown(() => {
      if (savedTz === undefined) delete process.env.TZ
      else process.env.TZ = savedTz
    })
    const dup = cases.find((c, i) => cases.indexOf(c) !== i)
    if (dup) t.fail(`duplicate case ${dup}`)
    const file = join(here, 'expected', `${name}.json`)
    const stored: Record<string, string> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {}
    const live = runLuajit(cases, tz)
    let expected: Record<string, string>
    if (live) {
      expected = Object.fromEntries(cases.map((c, i) => [c, live[i]!]))
      if (process.env.UPDATE_LUAJIT_EXPECTED === '1') {
        mkdirSync(dirname(file), { recursive: true })
        writeFileSync(file, JSON.stringify(expected, null, 2) + '\n')
      } else {
        for (const c of cases)
          if (stored[c] !== expected[c])
            t.fail(`stored expectation is stale for ${c} (run with UPDATE_LUAJIT_EXPECTED=1)`, { found: stored[c], wanted: expected[c] })
      }
    } else {
      t.comment('NOT CHECKED: luajit not installed')
      expected = stored
    }
    const env = new LuaTable()
    const libs = standardLibs()
    for (const k of Object.keys(libs)) env.set(k, libs[k])
    for (const k of Object.keys(HELPERS_TS)) env.set(k, HELPERS_TS[k])
    if (libs.table) env.set('unpack', libs.table.getStr('unpack'))
    for (const c of cases) {
      if (expected[c] === undefined) {
        t.fail(`no LuaJIT output stored for ${c}`)
        continue
      }
      let ours: string
      try {
        ours = runOurs(c, env)
      } catch (e) {
        ours = `JS error: ${(e as Error).stack}`
      }
      t.equal(ours, expected[c], c)
    }
    t.end()
  })
}
