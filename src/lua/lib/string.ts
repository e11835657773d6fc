/**
 * The string library (LuaJIT 2.1 without string.dump): byte, char, find,
 * format, gmatch, gsub, len, lower, match, rep, reverse, sub, upper. Strings
 * are byte strings (core/value.ts); lower/upper are the C locale's (ASCII
 * only). Patterns live in patterns.ts, format in format.ts.
 *
 * Budget: every string created is charged to the run's memory budget before
 * it is built (string.rep of 1 GB fails at once), and work proportional to
 * the input is charged as instructions.
 */
import { B } from '../core/budget.js'
import { LuaError } from '../core/errors.js'
import { argError, call, index, strings, truthy } from '../core/ops.js'
import { NONE, LuaTable, numberToString, typeName, type LuaFunction, type LuaValue } from '../core/value.js'
import { argInt, argString, libTable, luaParams, optInt, optString } from './args.js'
import { format } from './format.js'
import { MatchState, hasSpecials } from './patterns.js'

/** LuaJIT's LUAI_MAXCSTACK: string.byte returns at most this many values. */
const MAXCSTACK = 8000
/** The longest string the JS engine can hold; longer ones are "not enough memory", as in LuaJIT. */
const MAX_STRING = 0x1fffffe8

/** Charges `n` bytes of input scanned: one instruction per 16 bytes. */
function scan(n: number): void {
  B.steps(1 + (n >> 4))
}

function len(...a: LuaValue[]): LuaValue[] {
  return [argString(luaParams(a, 1), 0, 'len').length]
}

/** string.sub's and string.byte's index rules: negative counts from the end, clamped. */
function sub(...a: LuaValue[]): LuaValue[] {
  const s = argString(a, 0, 'sub')
  const n = s.length
  let i = argInt(a, 1, 'sub')
  let j = optInt(a, 2, 'sub', -1)
  if (j < 0) j += n + 1
  else if (j > n) j = n
  if (i < 0) i += n + 1
  if (i <= 0) i = 1
  if (i > j) return ['']
  if (i === 1 && j === n) return [s]
  B.alloc(j - i + 1)
  return [s.slice(i - 1, j)]
}

function byte(...a: LuaValue[]): LuaValue[] {
  const s = argString(a, 0, 'byte')
  const n = s.length
  let i = optInt(a, 1, 'byte', 1)
  let j = optInt(a, 2, 'byte', i)
  if (j < 0) j += n + 1
  if (i < 0) i += n + 1
  if (i <= 0) i = 1
  if (j > n) j = n
  if (i > j) return NONE
  const count = j - i + 1
  if (count > MAXCSTACK) throw new LuaError('string slice too long')
  if (count === 1) return [s.charCodeAt(i - 1)]
  B.steps(count >> 2)
  const out = new Array<LuaValue>(count)
  for (let k = 0; k < count; k++) out[k] = s.charCodeAt(i - 1 + k)
  return out
}

function char(...a: LuaValue[]): LuaValue[] {
  const n = a.length
  B.alloc(n)
  let out = ''
  for (let i = 0; i < n; i++) {
    const c = argInt(a, i, 'char')
    if (c < 0 || c > 255) argError(i + 1, 'char', 'invalid value')
    out += String.fromCharCode(c)
  }
  return [out]
}

function rep(...a: LuaValue[]): LuaValue[] {
  const s = argString(a, 0, 'rep')
  const n = argInt(a, 1, 'rep')
  const sep = optString(a, 2, 'rep')
  if (n <= 0) return ['']
  const total = s.length * n + (sep === undefined ? 0 : sep.length * (n - 1))
  // Charged before anything is built: a 1 GB rep fails on the budget at once.
  B.alloc(total)
  if (total > MAX_STRING) throw new LuaError('not enough memory')
  B.steps(1 + (total >> 6))
  if (sep === undefined || sep === '' || n === 1) return [s.repeat(n)]
  return [s + (sep + s).repeat(n - 1)]
}

/**
 * upper, lower and reverse build their result a piece at a time, each piece
 * charged before it is made: one call on a string of megabytes would
 * otherwise be a single step of tens of milliseconds that the budget's clock
 * cannot stop. The pieces join as a rope (V8 flattens it later with a copy).
 */
const PIECE = 1 << 16

function pieces(s: string, f: (piece: string) => string, backwards = false): string {
  if (s.length <= PIECE) {
    scan(s.length)
    return f(s)
  }
  let out = ''
  for (let i = 0; i < s.length; i += PIECE) {
    scan(PIECE)
    const p = f(s.slice(i, i + PIECE))
    out = backwards ? p + out : out + p
  }
  return out
}

const reversed = (p: string): string => Buffer.from(p, 'latin1').reverse().toString('latin1')

function reverse(...a: LuaValue[]): LuaValue[] {
  const s = argString(a, 0, 'reverse')
  B.alloc(s.length)
  return [pieces(s, reversed, true)]
}

/** Bytes >= 128 are not letters in the C locale: JS's case mapping is only used on ASCII. */
function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false
  return true
}

const lowered = (p: string): string => (isAscii(p) ? p.toLowerCase() : p.replace(/[A-Z]+/g, (m) => m.toLowerCase()))
const uppered = (p: string): string => (isAscii(p) ? p.toUpperCase() : p.replace(/[a-z]+/g, (m) => m.toUpperCase()))

function lower(...a: LuaValue[]): LuaValue[] {
  const s = argString(a, 0, 'lower')
  B.alloc(s.length)
  return [pieces(s, lowered)]
}

function upper(...a: LuaValue[]): LuaValue[] {
  const s = argString(a, 0, 'upper')
  B.alloc(s.length)
  return [pieces(s, uppered)]
}

/** string.find and string.match (LuaJIT's str_find_aux, Lua 5.1 mode: an init past the end is clamped). */
function findAux(a: LuaValue[], find: boolean, fname: string): LuaValue[] {
  const s = argString(a, 0, fname)
  const p = argString(a, 1, fname)
  const slen = s.length
  let init = optInt(a, 2, fname, 1)
  if (init < 0) init += slen
  else init--
  if (init < 0) init = 0
  if (init > slen) init = slen
  if (find && (truthy(a[3]) || !hasSpecials(p))) {
    scan(slen - init)
    const q = s.indexOf(p, init)
    return q < 0 ? [undefined] : [q + 1, q + p.length]
  }
  const ms = new MatchState(s, p)
  let pstart = 0
  let anchor = false
  if (p.charCodeAt(0) === 94 /* ^ */) {
    pstart = 1
    anchor = true
  }
  let sp = init
  do {
    if (!anchor) {
      sp = ms.next(sp)
      if (sp < 0) break
    }
    ms.reset()
    const e = ms.match(sp, pstart)
    if (e !== -1) {
      if (!find) return ms.captures(sp, e, true)
      if (ms.level === 0) return [sp + 1, e]
      return [sp + 1, e, ...ms.captures(sp, e, false)]
    }
  } while (sp++ < slen && !anchor)
  return [undefined]
}

function find(...a: LuaValue[]): LuaValue[] {
  return findAux(a, true, 'find')
}

function match(...a: LuaValue[]): LuaValue[] {
  return findAux(a, false, 'match')
}

/** string.gmatch: an iterator over successive matches ('^' is an ordinary byte here, as in 5.1). */
function gmatch(...a: LuaValue[]): LuaValue[] {
  const s = argString(a, 0, 'gmatch')
  const p = argString(a, 1, 'gmatch')
  let pos = 0
  const iter: LuaFunction = () => {
    const ms = new MatchState(s, p)
    for (let src = pos; src <= s.length; src++) {
      src = ms.next(src)
      if (src < 0) break
      ms.reset()
      const e = ms.match(src, 0)
      if (e !== -1) {
        // An empty match moves on by one byte so the loop ends.
        pos = e === src ? e + 1 : e
        return ms.captures(src, e, true)
      }
    }
    pos = s.length + 1
    return NONE
  }
  return [iter]
}

/** A gsub replacement string with %0-%9 and %x escapes, expanded for one match. */
function expand(ms: MatchState, repl: string, s: number, e: number): string {
  let out = ''
  let run = 0
  const n = repl.length
  for (let i = 0; i < n; i++) {
    if (repl.charCodeAt(i) !== 37) continue
    out += repl.slice(run, i)
    i++
    // A '%' ending the string escapes C's terminating NUL, which LuaJIT copies.
    const c = i < n ? repl.charCodeAt(i) : 0
    if (c < 48 || c > 57) out += String.fromCharCode(c)
    else if (c === 48) out += ms.src.slice(s, e)
    else {
      const v = ms.capture(c - 49, s, e)
      out += typeof v === 'number' ? numberToString(v) : (v as string)
    }
    run = i + 1
  }
  return run === 0 ? repl : out + repl.slice(run)
}

function gsub(...a: LuaValue[]): LuaValue[] {
  const src = argString(a, 0, 'gsub')
  const p = argString(a, 1, 'gsub')
  const repl = a[2]
  const slen = src.length
  const maxN = optInt(a, 3, 'gsub', slen + 1)
  const tr = typeof repl
  const isTable = repl instanceof LuaTable
  if (!(tr === 'string' || tr === 'number' || tr === 'function' || isTable)) argError(3, 'gsub', 'string/function/table expected')
  const replStr = tr === 'number' ? numberToString(repl as number) : tr === 'string' ? (repl as string) : undefined
  const plain = replStr !== undefined && replStr.indexOf('%') < 0
  let pstart = 0
  let anchor = false
  if (p.charCodeAt(0) === 94 /* ^ */) {
    pstart = 1
    anchor = true
  }
  const ms = new MatchState(src, p)
  // The unmatched input is copied as slices: at most the subject's size.
  B.alloc(slen)
  let out = ''
  let copyFrom = 0
  let s = 0
  let n = 0
  while (n < maxN) {
    if (!anchor) {
      // Jump to where a match can start; nothing before it is replaced.
      const q = ms.next(s)
      if (q < 0) break
      s = q
    }
    ms.reset()
    const e = ms.match(s, pstart)
    if (e !== -1) {
      n++
      let piece: string
      if (plain) piece = replStr
      else if (replStr !== undefined) piece = expand(ms, replStr, s, e)
      else {
        const v = isTable ? index(repl, ms.capture(0, s, e)) : call(repl, ms.captures(s, e, true))[0]
        if (!truthy(v)) piece = src.slice(s, e)
        else if (typeof v === 'string') piece = v
        else if (typeof v === 'number') piece = numberToString(v)
        else throw new LuaError(`invalid replacement value (a ${typeName(v)})`)
      }
      B.alloc(piece.length)
      out += s > copyFrom ? src.slice(copyFrom, s) + piece : piece
      // After an empty match the byte at s is still to be copied.
      copyFrom = e
    }
    if (e !== -1 && e > s) s = e
    else if (s < slen) s++
    else break
    if (anchor) break
  }
  return [copyFrom === 0 && n === 0 ? src : out + src.slice(copyFrom), n]
}

/** The string library table; also the strings' metatable __index, so `("x"):upper()` works. */
export function stringLib(): LuaTable {
  if (strings.lib !== undefined && strings.lib.readonlyName === 'string') return strings.lib
  const lib = libTable('string', {
    byte,
    char,
    find,
    format: (...a: LuaValue[]) => [format(a)],
    gmatch,
    gsub,
    len,
    lower,
    match,
    rep,
    reverse,
    sub,
    upper,
  })
  strings.lib = lib
  return lib
}
