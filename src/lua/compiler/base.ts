/**
 * Lua's base library as LuaJIT 2.1 has it: assert, error, ipairs, next,
 * pairs, pcall, xpcall, print, select, tonumber, tostring, type, unpack,
 * _VERSION, setmetatable, getmetatable, rawget, rawset, rawequal, load and
 * loadstring. Messages are LuaJIT's. Library tables (readonlyName) keep their
 * protection against rawset and setmetatable too. `print` writes to the sink
 * of the current run (setPrintSink), never to the process's stdout.
 *
 * pcall and xpcall carry a generator form (`$gen`) so that coroutine chunks
 * may yield across them, as LuaJIT allows.
 */
import { B } from '../core/budget.js'
import { LuaError, catchable } from '../core/errors.js'
import * as ops from '../core/ops.js'
import { LuaTable, NONE, numberToString, typeName, type LuaFunction, type LuaValue } from '../core/value.js'
import { argString, optInt } from '../lib/args.js'
import { compile } from './compile.js'
import { levelPrefix, markSettled, raisedByDirectCallee, settle, settleDirect } from './positions.js'
import { gcall, gget, ipairsAux, luaNext, type GenLuaFunction, type LuaGenerator } from './runtime.js'

/** Where print writes (a line, with its newline); undefined: nowhere. */
let printSink: ((text: string) => void) | undefined

/** Sets the current run's print sink; returns the previous one. */
export function setPrintSink(sink: ((text: string) => void) | undefined): ((text: string) => void) | undefined {
  const prev = printSink
  printSink = sink
  return prev
}

/** Writes to the current print sink (for io.write-like test helpers). */
export function writeOut(text: string): void {
  B.alloc(text.length)
  printSink?.(text)
}

/** What LuaJIT's unpack refuses ("too many results to unpack"): its C stack limit. */
const UNPACK_LIMIT = 7998

const valueExpected = (n: number, fname: string): never => ops.argError(n, fname, 'value expected')

/**
 * Argument `i` (0-based) of `args` as a table. LuaJIT tells an absent argument
 * ("got no value") from an explicit nil ("got nil"); rest parameters keep that
 * difference, JS parameters would not.
 */
function tableArg(args: LuaValue[], i: number, fname: string): LuaTable {
  const v = args[i]
  if (v instanceof LuaTable) return v
  return ops.argError(i + 1, fname, `table expected, got ${i >= args.length ? 'no value' : typeName(v)}`)
}

/** tostring(v): __tostring's result as it is (LuaJIT does not check it), else Lua's own form. */
export function luaTostring(v: LuaValue): LuaValue {
  const h = ops.metamethod(v, '__tostring')
  if (h !== undefined) return ops.callMeta(h, [v])[0]
  return ops.tostring(v)
}

/** print for `env`: like LuaJIT's, it converts its arguments with the `tostring` of the environment. */
function printer(env: LuaTable): LuaFunction {
  return function print(...args: LuaValue[]): LuaValue[] {
    const ts = gget(env, 'tostring')
    let s = ''
    for (let i = 0; i < args.length; i++) {
      let v = ts === tostring ? luaTostring(args[i]) : ops.call(ts, [args[i]])[0]
      if (typeof v === 'number') v = numberToString(v)
      if (typeof v !== 'string') throw new LuaError("'tostring' must return a string to 'print'")
      s += i > 0 ? '\t' + v : v
    }
    writeOut(s + '\n')
    return NONE
  }
}

/** tostring(v): a __tostring handler's results are all returned (LuaJIT tail-calls it). */
function tostring(...a: LuaValue[]): LuaValue[] {
  if (a.length === 0) valueExpected(1, 'tostring')
  const v = a[0]
  const h = ops.metamethod(v, '__tostring')
  if (h !== undefined) return ops.callMeta(h, [v])
  return [ops.tostring(v)]
}

function type(...a: LuaValue[]): LuaValue[] {
  if (a.length === 0) valueExpected(1, 'type')
  return [typeName(a[0])]
}

/** LuaJIT's order: the base first (10 if absent); base 10 takes any value, other bases a string. */
function tonumber(...a: LuaValue[]): LuaValue[] {
  const base = optInt(a, 1, 'tonumber', 10)
  if (base === 10) {
    if (a.length === 0) valueExpected(1, 'tonumber')
    return [ops.tonumber(a[0])]
  }
  const s = argString(a, 0, 'tonumber')
  if (base < 2 || base > 36) ops.argError(2, 'tonumber', 'base out of range')
  return [ops.tonumber(s, base)]
}

function ipairs(...a: LuaValue[]): LuaValue[] {
  if (a.length === 0) valueExpected(1, 'ipairs')
  return [ipairsAux, tableArg(a, 0, 'ipairs'), 0]
}

function pairs(...a: LuaValue[]): LuaValue[] {
  if (a.length === 0) valueExpected(1, 'pairs')
  return [luaNext, tableArg(a, 0, 'pairs'), undefined]
}

function select(n: LuaValue, ...rest: LuaValue[]): LuaValue[] {
  if (n === '#') return [rest.length]
  const i = ops.checkInt(n, 1, 'select')
  if (i < 0) {
    const k = rest.length + i
    if (k < 0) ops.argError(1, 'select', 'index out of range')
    return rest.slice(k)
  }
  if (i === 0) ops.argError(1, 'select', 'index out of range')
  return i === 1 ? rest : rest.slice(i - 1)
}

function unpack(...a: LuaValue[]): LuaValue[] {
  const tab = tableArg(a, 0, 'unpack')
  const i = a[1]
  const j = a[2]
  const from = i === undefined ? 1 : ops.checkInt(i, 2, 'unpack')
  const to = j === undefined ? tab.length() : ops.checkInt(j, 3, 'unpack')
  if (from > to) return NONE
  const n = to - from + 1
  if (n >= UNPACK_LIMIT) throw new LuaError('too many results to unpack')
  B.steps(n)
  if (from === 1 && to <= tab.arr.length) return tab.arr.slice(0, to)
  const out: LuaValue[] = new Array<LuaValue>(n)
  for (let k = 0; k < n; k++) out[k] = tab.get(from + k)
  return out
}

function assert(...a: LuaValue[]): LuaValue[] {
  if (a.length === 0) valueExpected(1, 'assert')
  if (ops.truthy(a[0])) return a
  if (a.length < 2) throw new LuaError('assertion failed!')
  const msg = a[1]
  // A string (or number) message gets the caller's position, as LuaJIT's assert does; other values pass as they are.
  if (typeof msg === 'string' || typeof msg === 'number') throw new LuaError(typeof msg === 'number' ? numberToString(msg) : msg)
  throw markSettled(new LuaError(msg))
}

function error(msg?: LuaValue, lvl?: LuaValue): never {
  const level = lvl === undefined ? 1 : ops.checkInt(lvl, 2, 'error')
  let v = msg
  if ((typeof msg === 'string' || typeof msg === 'number') && level > 0) v = levelPrefix(level, error) + (typeof msg === 'number' ? numberToString(msg) : msg)
  throw markSettled(new LuaError(v))
}

/** The value pcall returns for a caught error. */
function caughtValue(e: unknown, direct: (...args: never[]) => unknown): LuaValue {
  if (raisedByDirectCallee(e, direct)) return settleDirect(e as LuaError).value
  return settle(e).value
}

function pcall(...a: LuaValue[]): LuaValue[] {
  if (a.length === 0) valueExpected(1, 'pcall')
  const f = a[0]
  a.shift()
  try {
    const r = typeof f === 'function' ? f(...a) : ops.call(f, a)
    return [true, ...r]
  } catch (e) {
    if (!catchable(e)) throw e
    return [false, caughtValue(e, pcall)]
  }
}

function* pcallGen(...a: LuaValue[]): LuaGenerator {
  if (a.length === 0) valueExpected(1, 'pcall')
  const f = a[0]
  a.shift()
  try {
    const r = yield* gcall(f, undefined, a)
    return [true, ...r]
  } catch (e) {
    if (!catchable(e)) throw e
    return [false, caughtValue(e, pcallGen)]
  }
}

/** xpcall's result for a caught error: the handler's first result; an error in the handler is LuaJIT's "error in error handling". */
function handled(e: unknown, handler: LuaValue, direct: (...args: never[]) => unknown): LuaValue[] {
  const v = caughtValue(e, direct)
  try {
    return [false, ops.call(handler, [v])[0]]
  } catch (e2) {
    if (!catchable(e2)) throw e2
    return [false, 'error in error handling']
  }
}

function checkHandler(a: LuaValue[]): LuaValue {
  const h = a[1]
  if (typeof h !== 'function') ops.argError(2, 'xpcall', `function expected, got ${h === undefined ? 'no value' : typeName(h)}`)
  return h
}

function xpcall(...a: LuaValue[]): LuaValue[] {
  if (a.length === 0) valueExpected(1, 'xpcall')
  const f = a[0]
  const h = checkHandler(a)
  const args = a.slice(2)
  try {
    return [true, ...(typeof f === 'function' ? f(...args) : ops.call(f, args))]
  } catch (e) {
    if (!catchable(e)) throw e
    return handled(e, h, xpcall)
  }
}

function* xpcallGen(...a: LuaValue[]): LuaGenerator {
  if (a.length === 0) valueExpected(1, 'xpcall')
  const f = a[0]
  const h = checkHandler(a)
  try {
    return [true, ...(yield* gcall(f, undefined, a.slice(2)))]
  } catch (e) {
    if (!catchable(e)) throw e
    return handled(e, h, xpcallGen)
  }
}
;(pcall as GenLuaFunction).$gen = pcallGen
;(xpcall as GenLuaFunction).$gen = xpcallGen

function setmetatable(...a: LuaValue[]): LuaValue[] {
  const tab = tableArg(a, 0, 'setmetatable')
  const mt = a[1]
  if (a.length < 2 || (mt !== undefined && !(mt instanceof LuaTable))) ops.argError(2, 'setmetatable', 'nil or table expected')
  if (tab.readonlyName !== undefined || (tab.metatable !== undefined && tab.metatable.getStr('__metatable') !== undefined)) {
    throw new LuaError('cannot change a protected metatable')
  }
  tab.metatable = mt
  return [tab]
}

function getmetatable(...a: LuaValue[]): LuaValue[] {
  if (a.length === 0) valueExpected(1, 'getmetatable')
  const mt = ops.metatableOf(a[0])
  if (mt === undefined) return [undefined]
  const protectedValue = mt.getStr('__metatable')
  return [protectedValue !== undefined ? protectedValue : mt]
}

function rawget(...a: LuaValue[]): LuaValue[] {
  const t = tableArg(a, 0, 'rawget')
  if (a.length < 2) valueExpected(2, 'rawget')
  return [t.get(a[1])]
}

function rawset(...a: LuaValue[]): LuaValue[] {
  const t = tableArg(a, 0, 'rawset')
  if (a.length < 2) valueExpected(2, 'rawset')
  if (a.length < 3) valueExpected(3, 'rawset')
  if (t.readonlyName !== undefined) throw new LuaError(`Cannot modify ${t.readonlyName}.${ops.tostring(a[1])}. Protected by the sandbox.`)
  t.set(a[1], a[2])
  return [t]
}

function rawequal(...a: LuaValue[]): LuaValue[] {
  if (a.length < 1) valueExpected(1, 'rawequal')
  if (a.length < 2) valueExpected(2, 'rawequal')
  return [a[0] === a[1]]
}

/** Compile cost charged to the run: about what the compiler spends per byte. */
const COMPILE_STEPS_PER_BYTE = 8

/** load (and loadstring, its alias in LuaJIT 2.1) for the environment `env`: chunks it makes see the same globals. */
function loader(env: LuaTable): LuaFunction {
  const fromSource = (src: string, chunkname: string, a: LuaValue[]): LuaValue[] => {
    // LuaJIT 2.1's load also takes a mode ('b' and 't') and an environment.
    const mode = a[2]
    if (mode !== undefined && !ops.checkString(mode, 3, 'load').includes('t')) return [undefined, 'attempt to load chunk with wrong mode']
    const chunkEnv = a[3] === undefined ? env : tableArg(a, 3, 'load')
    B.steps(1000 + src.length * COMPILE_STEPS_PER_BYTE)
    try {
      return [compile(src, chunkname, chunkEnv, { bytes: true })]
    } catch (e) {
      if (e instanceof LuaError) return [undefined, e.value]
      throw e
    }
  }
  return (...a: LuaValue[]): LuaValue[] => {
    const chunk = a[0]
    const name = a[1]
    if (typeof chunk === 'string' || typeof chunk === 'number') {
      const src = typeof chunk === 'number' ? numberToString(chunk) : chunk
      return fromSource(src, name === undefined ? src : ops.checkString(name, 2, 'load'), a)
    }
    if (typeof chunk !== 'function') ops.argError(1, 'load', `function expected, got ${a.length === 0 ? 'no value' : typeName(chunk)}`)
    let src = ''
    for (;;) {
      let piece: LuaValue
      try {
        piece = ops.call(chunk, NONE)[0]
      } catch (e) {
        // An error in the reader is load's failure, as in LuaJIT (a budget stop is not).
        if (!catchable(e)) throw e
        return [undefined, settle(e).value]
      }
      if (piece === undefined || piece === '') break
      if (typeof piece !== 'string') return [undefined, 'reader function must return a string']
      B.alloc(piece.length)
      src += piece
    }
    return fromSource(src, name === undefined ? '=(load)' : ops.checkString(name, 2, 'load'), a)
  }
}

/** Installs the base library into a chunk environment. */
export function installBase(env: LuaTable): void {
  const load = loader(env)
  const print = printer(env)
  const fns: Record<string, LuaFunction> = {
    assert,
    error,
    ipairs,
    next: luaNext,
    pairs,
    pcall,
    xpcall,
    print,
    select,
    tonumber,
    tostring,
    type,
    unpack,
    setmetatable,
    getmetatable,
    rawget,
    rawset,
    rawequal,
    load,
    loadstring: load,
  }
  for (const [k, f] of Object.entries(fns)) env.setStr(k, f)
  env.setStr('_VERSION', 'Lua 5.1')
}
