/**
 * The helpers compiled code calls. Each one is small enough for V8 to inline:
 * it handles the common case (a plain table, two numbers, two strings) and
 * hands everything else to core/ops.ts, which knows metamethods and LuaJIT's
 * messages. `what` arguments name the operand as LuaJIT does ("local 't'");
 * they are constants in the generated code and only read on the slow path.
 *
 * This file is "transparent" for error positions (positions.ts): its frames
 * are neither Lua functions nor library functions.
 */
import { B } from '../core/budget.js'
import { LuaError } from '../core/errors.js'
import * as ops from '../core/ops.js'
import { markSettled } from './positions.js'
import { LuaTable, NONE, numberToString, stringToNumber, typeName, type LuaFunction, type LuaValue } from '../core/value.js'

/** Closures list their upvalues for the retained-state walk. */
export { up } from '../core/retained.js'

/** Bytes charged for a new table (the object itself; slots are charged by LuaTable). */
const TABLE_BYTES = 64
const SLOT_BYTES = 16

/** `o[k]`. */
export function idx(o: LuaValue, k: LuaValue, what?: string): LuaValue {
  if (o instanceof LuaTable) {
    if (typeof k === 'string') return idxS(o, k, what)
    const v = o.get(k)
    if (v !== undefined || o.metatable === undefined) return v
  }
  return ops.index(o, k, what)
}

/** Chain depth after which __index is taken to loop (LuaJIT's limit is 100). */
const MAX_CHAIN = 100

/**
 * `o.k` with a string key. Kept small so V8 inlines it into compiled code:
 * an own field is one Map lookup; the rest goes to idxChain / idxOther.
 */
export function idxS(o: LuaValue, k: string, what?: string): LuaValue {
  if (o instanceof LuaTable) {
    const h = o.hash
    if (h !== undefined) {
      const v = h.get(k)
      if (v !== undefined) return v
    }
    return o.metatable === undefined ? undefined : idxChain(o, k)
  }
  return idxOther(o, k, what)
}

/**
 * A missing field of a table with a metatable. Walks __index tables in a loop
 * (objects whose methods live in a class table, classes inheriting from
 * classes: the common case of Lua OOP); a function __index, or anything
 * else, goes through ops.index.
 */
function idxChain(o: LuaTable, k: string): LuaValue {
  let t: LuaTable = o
  for (let n = 0; n < MAX_CHAIN; n++) {
    const mt = t.metatable
    if (mt === undefined) return undefined
    const mh = mt.hash
    const ix = mh === undefined ? undefined : mh.get('__index')
    if (ix === undefined) return undefined
    if (!(ix instanceof LuaTable)) return ops.index(t, k)
    t = ix
    const h = t.hash
    if (h !== undefined) {
      const v = h.get(k)
      if (v !== undefined) return v
    }
  }
  throw new LuaError('loop in gettable')
}

/** `o.k` on a value that is not a table: strings reach the string library. */
function idxOther(o: LuaValue, k: string, what?: string): LuaValue {
  if (typeof o === 'string') {
    // `s:upper()`: the string metatable's __index is the string library.
    const lib = ops.strings.lib
    if (lib !== undefined) return idxS(lib, k)
  }
  return ops.index(o, k, what)
}

/** A global read: `E` is the chunk's environment table. */
export function gget(E: LuaTable, k: string): LuaValue {
  const h = E.hash
  const v = h === undefined ? undefined : h.get(k)
  if (v !== undefined || E.metatable === undefined) return v
  return ops.index(E, k)
}

/** `o[k] = v`. */
export function set(o: LuaValue, k: LuaValue, v: LuaValue, what?: string): void {
  if (o instanceof LuaTable && o.metatable === undefined && o.readonlyName === undefined) o.set(k, v)
  else if (typeof k === 'string') setS(o, k, v, what)
  else ops.setindex(o, k, v, what)
}

/**
 * `o.k = v` with a string key. An object with a metatable (a class instance)
 * stores raw when the key is present or there is no __newindex, as Lua does.
 */
export function setS(o: LuaValue, k: string, v: LuaValue, what?: string): void {
  if (o instanceof LuaTable && o.readonlyName === undefined) {
    const mt = o.metatable
    if (mt === undefined) return o.setStr(k, v)
    const h = o.hash
    if ((h !== undefined && h.get(k) !== undefined) || mt.getStr('__newindex') === undefined) return o.setStr(k, v)
  }
  ops.setindex(o, k, v, what)
}

/**
 * What to call when the callee is not a function: its __call handler bound to
 * it, or a function that raises "attempt to call" once the arguments have been
 * evaluated (Lua evaluates them before it finds out).
 */
export function fnOf(f: LuaValue, what?: string): LuaFunction {
  const h = ops.metamethod(f, '__call')
  if (typeof h === 'function') return (...args) => (h as LuaFunction)(f, ...args)
  return () => ops.call(f, NONE, what)
}

// Arithmetic: numbers inline, everything else (strings, metamethods, errors) in ops.arith.
export function add(a: LuaValue, b: LuaValue, wa?: string, wb?: string): LuaValue {
  return typeof a === 'number' && typeof b === 'number' ? a + b : ops.arith('+', a, b, wa, wb)
}
export function sub(a: LuaValue, b: LuaValue, wa?: string, wb?: string): LuaValue {
  return typeof a === 'number' && typeof b === 'number' ? a - b : ops.arith('-', a, b, wa, wb)
}
export function mul(a: LuaValue, b: LuaValue, wa?: string, wb?: string): LuaValue {
  return typeof a === 'number' && typeof b === 'number' ? a * b : ops.arith('*', a, b, wa, wb)
}
export function div(a: LuaValue, b: LuaValue, wa?: string, wb?: string): LuaValue {
  return typeof a === 'number' && typeof b === 'number' ? a / b : ops.arith('/', a, b, wa, wb)
}
export function mod(a: LuaValue, b: LuaValue, wa?: string, wb?: string): LuaValue {
  return typeof a === 'number' && typeof b === 'number' ? a - Math.floor(a / b) * b : ops.arith('%', a, b, wa, wb)
}
export function pow(a: LuaValue, b: LuaValue, wa?: string, wb?: string): LuaValue {
  return typeof a === 'number' && typeof b === 'number' ? ops.pow(a, b) : ops.arith('^', a, b, wa, wb)
}
export function unm(a: LuaValue, what?: string): LuaValue {
  return typeof a === 'number' ? -a : ops.unm(a, what)
}

/** `#v`. */
export function len(v: LuaValue, what?: string): LuaValue {
  if (typeof v === 'string') return v.length
  if (v instanceof LuaTable) return v.length()
  return ops.len(v, what)
}

/** `a == b`: identity, NaN, then __eq between two tables. */
export function eq(a: LuaValue, b: LuaValue): boolean {
  return a === b || (a instanceof LuaTable && b instanceof LuaTable && ops.eq(a, b))
}
export function lt(a: LuaValue, b: LuaValue): boolean {
  return typeof a === 'number' && typeof b === 'number' ? a < b : ops.lt(a, b)
}
export function le(a: LuaValue, b: LuaValue): boolean {
  return typeof a === 'number' && typeof b === 'number' ? a <= b : ops.le(a, b)
}
/** `a > b` is `b < a` in Lua (operands evaluated in source order, compared swapped: messages follow). */
export function gt(a: LuaValue, b: LuaValue): boolean {
  return typeof a === 'number' && typeof b === 'number' ? a > b : ops.lt(b, a)
}
export function ge(a: LuaValue, b: LuaValue): boolean {
  return typeof a === 'number' && typeof b === 'number' ? a >= b : ops.le(b, a)
}

/** `a .. b`. */
export function cat(a: LuaValue, b: LuaValue, wa?: string, wb?: string): LuaValue {
  if (typeof a === 'string' && typeof b === 'string') {
    B.alloc(a.length + b.length)
    return a + b
  }
  return ops.concat(a, b, wa, wb)
}

/**
 * `a .. b .. c ...` (one Lua concat over a range): strings and numbers are
 * joined at once; otherwise pairs from the right, as Lua does, so __concat
 * sees the same operands.
 */
export function catN(vals: LuaValue[], whats: (string | undefined)[]): LuaValue {
  let s = ''
  let plain = true
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i]
    if (typeof v === 'string') s += v
    else if (typeof v === 'number') s += numberToString(v)
    else {
      plain = false
      break
    }
  }
  if (plain) {
    B.alloc(s.length)
    return s
  }
  let acc = vals[vals.length - 1]
  let accWhat = whats[vals.length - 1]
  for (let i = vals.length - 2; i >= 0; i--) {
    acc = ops.concat(vals[i], acc, whats[i], accWhat)
    accWhat = undefined
  }
  return acc
}

/**
 * A table constructor. `arr` holds the positional items (the last call or
 * `...` already spread into it), `kv` the keyed ones as key, value pairs, and
 * `before[i]` how many positional items precede keyed pair i in the source:
 * as in LuaJIT, whichever of `[1] = x` and a positional first item comes last
 * in the source wins.
 */
export function tbl(arr: LuaValue[] | undefined, kv: LuaValue[] | undefined, before?: number[]): LuaTable {
  const n = arr === undefined ? 0 : arr.length
  B.alloc(TABLE_BYTES + SLOT_BYTES * n)
  const t = new LuaTable(arr)
  if (kv !== undefined) {
    for (let i = 0; i < kv.length; i += 2) {
      const k = kv[i]
      if (before !== undefined && typeof k === 'number' && k > before[i >> 1]! && k <= n && Math.floor(k) === k) continue
      t.set(k, kv[i + 1])
    }
  }
  return t
}

/**
 * Record constructors (`{x = 1, y = v}`: distinct constant string keys only)
 * build their hash part directly, skipping the generic per-key checks.
 */
export function tblS1(k1: string, v1: LuaValue): LuaTable {
  B.alloc(TABLE_BYTES + SLOT_BYTES)
  const h = new Map<LuaValue, LuaValue>()
  if (v1 !== undefined) h.set(k1, v1)
  return new LuaTable(undefined, h)
}
export function tblS2(k1: string, v1: LuaValue, k2: string, v2: LuaValue): LuaTable {
  B.alloc(TABLE_BYTES + 2 * SLOT_BYTES)
  const h = new Map<LuaValue, LuaValue>()
  if (v1 !== undefined) h.set(k1, v1)
  if (v2 !== undefined) h.set(k2, v2)
  return new LuaTable(undefined, h)
}
export function tblS3(k1: string, v1: LuaValue, k2: string, v2: LuaValue, k3: string, v3: LuaValue): LuaTable {
  B.alloc(TABLE_BYTES + 3 * SLOT_BYTES)
  const h = new Map<LuaValue, LuaValue>()
  if (v1 !== undefined) h.set(k1, v1)
  if (v2 !== undefined) h.set(k2, v2)
  if (v3 !== undefined) h.set(k3, v3)
  return new LuaTable(undefined, h)
}
/** A record constructor with more fields: keys (a chunk constant) and values in the same order. */
export function tblS(keys: string[], vals: LuaValue[]): LuaTable {
  B.alloc(TABLE_BYTES + keys.length * SLOT_BYTES)
  const h = new Map<LuaValue, LuaValue>()
  for (let i = 0; i < keys.length; i++) {
    const v = vals[i]
    if (v !== undefined) h.set(keys[i], v)
  }
  return new LuaTable(undefined, h)
}

/**
 * A table constructor whose keyed and positional items interleave, evaluated
 * in source order: `items` holds them as they come (a keyed item as key,
 * value), `layout` says which is which ('p' / 'k'); items past the layout are
 * the spread values of a last call or `...`.
 */
export function tblSeq(items: LuaValue[], layout: string): LuaTable {
  const arr: LuaValue[] = []
  const kv: LuaValue[] = []
  const before: number[] = []
  let i = 0
  for (let j = 0; j < layout.length; j++) {
    if (layout.charCodeAt(j) === 112) arr.push(items[i++])
    else {
      before.push(arr.length)
      kv.push(items[i], items[i + 1])
      i += 2
    }
  }
  while (i < items.length) arr.push(items[i++])
  return tbl(arr, kv, before)
}

/** A numeric for's start, limit or step: a number, or LuaJIT's error. */
export function forNum(v: LuaValue, which: 'initial value' | 'limit' | 'step'): number {
  if (typeof v === 'number') return v
  const n = typeof v === 'string' ? stringToNumber(v) : undefined
  if (n === undefined) throw new LuaError(`'for' ${which} must be a number`)
  return n
}

// ---- next / pairs / ipairs and the generic for's fast iterators ----

/** `next(t, k)`. Two plain parameters (it is the pairs iterator); `arguments` tells `next()` from `next(nil)`. */
export function luaNext(t: LuaValue, k?: LuaValue): LuaValue[] {
  const tab = t instanceof LuaTable ? t : ops.argError(1, 'next', `table expected, got ${arguments.length === 0 ? 'no value' : typeName(t)}`)
  let r: [LuaValue, LuaValue] | undefined
  try {
    r = tab.next(k)
  } catch (e) {
    // LuaJIT raises "invalid key to 'next'" without a position.
    throw e instanceof LuaError ? markSettled(e) : e
  }
  return r === undefined ? [undefined] : r
}

/** The iterator ipairs returns: no results at the end (LuaJIT returns none, not nil). */
export function ipairsAux(t: LuaValue, i: LuaValue): LuaValue[] {
  const tab = ops.checkTable(t, 1, 'ipairs')
  const k = (i as number) + 1
  const v = tab.get(k)
  return v === undefined ? NONE : [k, v]
}

/** What a generic for steps through: `step()` advances and fills k, v (and r for more variables). */
export interface ForIter {
  step(): boolean
  k: LuaValue
  v: LuaValue
  r: LuaValue[]
}

/** `for k, v in pairs(t)` / `in next, t`: walks the table without a result array per step. */
class PairsIter implements ForIter {
  k: LuaValue = undefined
  v: LuaValue = undefined
  r: LuaValue[] = NONE
  private i = 0
  private it: Iterator<[LuaValue, LuaValue]> | undefined = undefined
  constructor(private readonly t: LuaTable) {}
  step(): boolean {
    const a = this.t.arr
    while (this.i < a.length) {
      const v = a[this.i++]
      if (v !== undefined) {
        this.k = this.i
        this.v = v
        return true
      }
    }
    let it = this.it
    if (it === undefined) {
      const h = this.t.hash
      if (h === undefined) return false
      it = this.it = h.entries()
    }
    const r = it.next()
    if (r.done) return false
    this.k = r.value[0]
    this.v = r.value[1]
    return true
  }
}

/** `for i, v in ipairs(t)`: raw reads until the first nil. */
class IpairsIter implements ForIter {
  k: LuaValue = undefined
  v: LuaValue = undefined
  r: LuaValue[] = NONE
  private i: number
  constructor(
    private readonly t: LuaTable,
    start: number,
  ) {
    this.i = start
  }
  step(): boolean {
    const i = ++this.i
    const a = this.t.arr
    const v = i <= a.length ? a[i - 1] : this.t.get(i)
    if (v === undefined) return false
    this.k = i
    this.v = v
    return true
  }
}

/** Any other iterator: the 3-value protocol. */
class CallIter implements ForIter {
  k: LuaValue = undefined
  v: LuaValue = undefined
  r: LuaValue[] = NONE
  constructor(
    private readonly f: LuaValue,
    private readonly s: LuaValue,
    private c: LuaValue,
  ) {}
  step(): boolean {
    const f = this.f
    const r = typeof f === 'function' ? f(this.s, this.c) : ops.call(f, [this.s, this.c])
    const k = r[0]
    if (k === undefined) return false
    this.c = this.k = k
    this.v = r[1]
    this.r = r
    return true
  }
}

/** The iterator for `for ... in f, s, c`. */
export function iter(f: LuaValue, s: LuaValue, c: LuaValue): ForIter {
  if (f === luaNext && s instanceof LuaTable && c === undefined) return new PairsIter(s)
  if (f === ipairsAux && s instanceof LuaTable && typeof c === 'number' && Math.floor(c) === c) return new IpairsIter(s, c)
  return new CallIter(f, s, c)
}

/** The first three values of an iterator explist, for `iter`. */
export function iter3(r: LuaValue[]): ForIter {
  return iter(r[0], r[1], r[2])
}

/** The pairs/ipairs fast iterator when one applies (coroutine chunks call other iterators through their generator). */
export function iterFast(f: LuaValue, s: LuaValue, c: LuaValue): ForIter | undefined {
  const it = iter(f, s, c)
  return it instanceof CallIter ? undefined : it
}

/** No operand names (a concat chain of temporaries and constants). */
export const noWhat: (string | undefined)[] = []

// ---- Coroutine chunks: Lua functions compiled as generators ----

export type LuaGenerator = Generator<LuaValue[], LuaValue[], LuaValue[]>
export type GenFn = (...args: LuaValue[]) => LuaGenerator
/** A Lua function that can also run as a generator (`$gen`), so a yield inside can suspend its caller. */
export type GenLuaFunction = LuaFunction & { $gen?: GenFn }

/**
 * Resumed into a yield that cannot suspend (the generator runs under a plain
 * call: a library function, a metamethod, the main chunk): coroutine.yield
 * raises LuaJIT's "attempt to yield across C-call boundary" where it stands.
 */
export const YIELD_ACROSS: LuaValue[] = Object.freeze([]) as unknown as LuaValue[]

/** The plain form of a generator-compiled Lua function, carrying the generator as `$gen`. */
export function mkg(g: GenFn): GenLuaFunction {
  const f: GenLuaFunction = (...args: LuaValue[]): LuaValue[] => {
    const it = g(...args)
    let r = it.next()
    while (!r.done) r = it.next(YIELD_ACROSS)
    return r.value
  }
  f.$gen = g
  return f
}

/** A plain function as a generator that returns its results (a yield under it cannot suspend: mkg's rule). */
function plainAsGen(f: LuaFunction): GenFn {
  // A generator that never yields: the shape yield* needs around a plain call.
  // eslint-disable-next-line require-yield
  return function* (...args: LuaValue[]): LuaGenerator {
    return f(...args)
  }
}

/**
 * What generator code calls: the callee's generator. A plain function (a
 * library function, a function of a chunk compiled without generators) gets
 * a generator wrapper once, kept on the function as its `$gen`; a callable
 * table goes through its __call; anything else raises "attempt to call" when
 * the call is made, after its arguments are evaluated.
 */
export function genOf(f: LuaValue, what?: string): GenFn {
  if (typeof f === 'function') {
    const lf = f as GenLuaFunction
    let g = lf.$gen
    if (g === undefined) g = lf.$gen = plainAsGen(lf)
    return g
  }
  const h = ops.metamethod(f, '__call')
  if (typeof h === 'function') {
    const hg = genOf(h)
    return function* (...args: LuaValue[]): LuaGenerator {
      return yield* hg(f, ...args)
    }
  }
  return plainAsGen(() => ops.call(f, NONE, what))
}

/** A call from library generator code (pcall's generator form). */
export function* gcall(f: LuaValue, what: string | undefined, args: LuaValue[]): LuaGenerator {
  return yield* genOf(f, what)(...args)
}
