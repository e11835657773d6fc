/**
 * The table library: LuaJIT 2.1's (concat, insert, remove, sort, maxn, getn,
 * foreach, foreachi, move; new and clear as `require "table.new"` adds them)
 * plus what Kong's sandbox lists from OpenResty's LuaJIT and its Lua 5.2
 * compatibility build (clone, isarray, isempty, nkeys, pack, unpack).
 *
 * Access is raw everywhere, as in LuaJIT: its functions written in Lua
 * (remove, foreachi, move) use raw table instructions that also truncate
 * fractional keys (table.remove(t, 1.5) shifts t[2..] down onto t[1..]).
 * table.sort is LuaJIT's quicksort step for step, so an inconsistent
 * comparator sees the same calls and raises "invalid order function for
 * sorting" where LuaJIT does. Loops charge the run's budget per element.
 */
import { B } from '../core/budget.js'
import { LuaError, markSettled } from '../core/errors.js'
import { call, comparableLt, compareMessage, lt, truthy } from '../core/ops.js'
import { NONE, LuaTable, numberToString, readonlyError, typeName, type LuaFunction, type LuaValue } from '../core/value.js'
import { argFunction, argInt, argNumber, argTable, libTable, luaParams, optInt, optString, toInt32 } from './args.js'

/**
 * The key LuaJIT's internal raw table access (TGETR/TSETR, used by its
 * library functions written in Lua: remove, foreachi, move) turns a number
 * into: truncated to int32.
 */
function key(x: number): number {
  return toInt32(x)
}

/** Bytes charged per table slot created, as core/value.ts does. */
const SLOT_BYTES = 16
/** LuaJIT's LUAI_MAXCSTACK: unpack returns fewer than this many values. */
const MAXCSTACK = 8000

function concat(...a: LuaValue[]): LuaValue[] {
  const t = argTable(a, 0, 'concat')
  const sep = optString(a, 1, 'concat') ?? ''
  const i = optInt(a, 2, 'concat', 1)
  const j = a[3] === undefined ? t.length() : argInt(a, 3, 'concat')
  if (i > j) return ['']
  let out = ''
  let charged = 0
  for (let k = i; ; k++) {
    if (--B.left < 0) B.out()
    const v = t.get(k)
    if (typeof v === 'string') out += v
    else if (typeof v === 'number') out += numberToString(v)
    else throw new LuaError(`invalid value (${typeName(v)}) at index ${k} in table for 'concat'`)
    if (k >= j) break
    out += sep
    // Charged as it grows: a huge concat stops on the memory budget early.
    if (out.length - charged > 65536) {
      B.alloc(out.length - charged)
      charged = out.length
    }
  }
  B.alloc(out.length - charged)
  return [out]
}

function insert(...a: LuaValue[]): LuaValue[] {
  const t = argTable(a, 0, 'insert')
  let i = t.length() + 1
  if (a.length !== 2) {
    if (a.length !== 3) throw new LuaError("wrong number of arguments to 'insert'")
    const pos = argInt(a, 1, 'insert')
    // Shift up raw, as LuaJIT: t[i] = t[i-1] down to pos (no bounds check in 5.1).
    for (; i > pos; i--) {
      if (--B.left < 0) B.out()
      t.set(i, t.get(i - 1))
    }
    i = pos
  }
  t.set(i, a[a.length - 1])
  return NONE
}

function remove(...args: LuaValue[]): LuaValue[] {
  const a = luaParams(args, 2)
  const t = argTable(a, 0, 'remove')
  const n = t.length()
  if (a[1] === undefined) {
    if (n === 0) return NONE
    const old = t.get(n)
    t.set(n, undefined)
    return [old]
  }
  // pos is only type-checked (a fractional pos stays fractional); keys are truncated on access.
  const pos = argNumber(a, 1, 'remove')
  if (!(pos >= 1 && pos <= n)) return NONE
  const old = t.get(key(pos))
  for (let i = pos + 1; i <= n; i++) {
    if (--B.left < 0) B.out()
    t.set(key(i - 1), t.get(key(i)))
  }
  t.set(n, undefined)
  return [old]
}

function maxn(...a: LuaValue[]): LuaValue[] {
  const t = argTable(a, 0, 'maxn')
  let m = t.arr.length
  const h = t.hash
  if (h !== undefined) {
    B.steps(h.size)
    for (const k of h.keys()) if (typeof k === 'number' && k > m) m = k
  }
  return [m]
}

function getn(...args: LuaValue[]): LuaValue[] {
  const a = luaParams(args, 1)
  return [argTable(a, 0, 'getn').length()]
}

function foreachi(...args: LuaValue[]): LuaValue[] {
  const a = luaParams(args, 2)
  const t = argTable(a, 0, 'foreachi')
  const f = argFunction(a, 1, 'foreachi')
  const n = t.length()
  for (let i = 1; i <= n; i++) {
    if (--B.left < 0) B.out()
    const r = f(i, t.get(i))[0]
    if (r !== undefined) return [r]
  }
  return NONE
}

function foreach(...args: LuaValue[]): LuaValue[] {
  const a = luaParams(args, 2)
  const t = argTable(a, 0, 'foreach')
  const f = argFunction(a, 1, 'foreach')
  for (let e = t.next(undefined); e !== undefined; e = t.next(e[0])) {
    if (--B.left < 0) B.out()
    const r = f(e[0], e[1])[0]
    if (r !== undefined) return [r]
  }
  return NONE
}

function move(...args: LuaValue[]): LuaValue[] {
  const a = luaParams(args, 5)
  const a1 = argTable(a, 0, 'move')
  const f = argNumber(a, 1, 'move')
  const e = argNumber(a, 2, 'move')
  const t = argNumber(a, 3, 'move')
  const a2 = a[4] === undefined ? a1 : argTable(a, 4, 'move')
  if (e >= f) {
    const d = t - f
    if (t > e || t <= f || a2 !== a1) {
      for (let i = f; i <= e; i++) {
        if (--B.left < 0) B.out()
        a2.set(key(i + d), a1.get(key(i)))
      }
    } else {
      for (let i = e; i >= f; i--) {
        if (--B.left < 0) B.out()
        a2.set(key(i + d), a1.get(key(i)))
      }
    }
  }
  return [a2]
}

/** table.sort's comparison: the comparator through ops.call, or `<` with metamethods. */
function sortLess(comp: LuaFunction | undefined, x: LuaValue, y: LuaValue): boolean {
  if (--B.left < 0) B.out()
  if (comp !== undefined) return truthy(call(comp, [x, y])[0])
  if (typeof x === 'number' && typeof y === 'number') return x < y
  // LuaJIT compares inside sort, a C function: an impossible comparison has no position.
  if (!comparableLt(x, y)) throw markSettled(new LuaError(compareMessage(x, y)))
  return lt(x, y)
}

/** LuaJIT's auxsort (Lua 5.1's quicksort), on raw elements l..u. */
function auxsort(t: LuaTable, l: number, u: number, comp: LuaFunction | undefined): void {
  while (l < u) {
    // Sort a[l], a[(l+u)/2] and a[u].
    if (sortLess(comp, t.get(u), t.get(l))) swap(t, l, u)
    if (u - l === 1) break
    let i = Math.floor((l + u) / 2)
    if (sortLess(comp, t.get(i), t.get(l))) swap(t, i, l)
    else if (sortLess(comp, t.get(u), t.get(i))) swap(t, i, u)
    if (u - l === 2) break
    const pivot = t.get(i)
    swap(t, i, u - 1)
    // Invariant: a[l..i] <= P <= a[j..u].
    i = l
    let j = u - 1
    for (;;) {
      while (sortLess(comp, t.get(++i), pivot)) {
        if (i >= u) throw new LuaError('invalid order function for sorting')
      }
      while (sortLess(comp, pivot, t.get(--j))) {
        if (j <= l) throw new LuaError('invalid order function for sorting')
      }
      if (j < i) break
      swap(t, i, j)
    }
    swap(t, u - 1, i)
    // Recurse into the smaller half, loop on the larger.
    if (i - l < u - i) {
      j = l
      i = i - 1
      l = i + 2
    } else {
      j = i + 1
      i = u
      u = j - 2
    }
    auxsort(t, j, i, comp)
  }
}

function swap(t: LuaTable, i: number, j: number): void {
  const x = t.get(i)
  t.set(i, t.get(j))
  t.set(j, x)
}

function sort(...a: LuaValue[]): LuaValue[] {
  const t = argTable(a, 0, 'sort')
  const n = t.length()
  const comp = a[1] === undefined ? undefined : argFunction(a, 1, 'sort')
  auxsort(t, 1, n, comp)
  return NONE
}

/** unpack(t [, i [, j]]): raw t[i..j]; also the base library's unpack. */
export function unpack(...a: LuaValue[]): LuaValue[] {
  const t = argTable(a, 0, 'unpack')
  const i = optInt(a, 1, 'unpack', 1)
  const e = a[2] === undefined ? t.length() : argInt(a, 2, 'unpack')
  if (i > e) return NONE
  const n = e - i + 1
  if (n >= MAXCSTACK) throw new LuaError('too many results to unpack')
  B.steps(n >> 2)
  if (i === 1 && n === t.arr.length) return t.arr.slice()
  const out = new Array<LuaValue>(n)
  for (let k = 0; k < n; k++) out[k] = t.get(i + k)
  return out
}

function pack(...a: LuaValue[]): LuaValue[] {
  B.alloc(SLOT_BYTES * (a.length + 1))
  // Trailing nils leave the array part (the constructor drops them) but still count in n.
  const t = new LuaTable(a.slice())
  t.setStr('n', a.length)
  return [t]
}

function tnew(...a: LuaValue[]): LuaValue[] {
  argInt(a, 0, 'new')
  argInt(a, 1, 'new')
  return [new LuaTable()]
}

function clear(...a: LuaValue[]): LuaValue[] {
  const t = argTable(a, 0, 'clear')
  if (t.readonlyName !== undefined) throw readonlyError(t.readonlyName, t.next(undefined)?.[0])
  B.steps(1 + ((t.arr.length + (t.hash?.size ?? 0)) >> 4))
  t.clear()
  return NONE
}

function clone(...a: LuaValue[]): LuaValue[] {
  const t = argTable(a, 0, 'clone')
  const size = t.arr.length + (t.hash?.size ?? 0)
  B.alloc(SLOT_BYTES * size)
  B.steps(1 + (size >> 4))
  return [new LuaTable(t.arr.slice(), t.hash === undefined ? undefined : new Map(t.hash))]
}

function isarray(...a: LuaValue[]): LuaValue[] {
  const t = argTable(a, 0, 'isarray')
  const h = t.hash
  if (h !== undefined) {
    B.steps(h.size >> 2)
    // Any integral number key counts, even 0 or negative ones (OpenResty's lj_tab_isarray).
    for (const k of h.keys()) if (typeof k !== 'number' || Math.round(k) !== k) return [false]
  }
  return [true]
}

function isempty(...a: LuaValue[]): LuaValue[] {
  const t = argTable(a, 0, 'isempty')
  return [t.arr.length === 0 && (t.hash === undefined || t.hash.size === 0)]
}

function nkeys(...a: LuaValue[]): LuaValue[] {
  const t = argTable(a, 0, 'nkeys')
  let n = t.hash?.size ?? 0
  const arr = t.arr
  B.steps(arr.length >> 4)
  for (let i = 0; i < arr.length; i++) if (arr[i] !== undefined) n++
  return [n]
}

/** The table library table. */
export function tableLib(): LuaTable {
  return libTable('table', {
    clear,
    clone,
    concat,
    foreach,
    foreachi,
    getn,
    insert,
    isarray,
    isempty,
    maxn,
    move,
    new: tnew,
    nkeys,
    pack,
    remove,
    sort,
    unpack,
  })
}

/** `require "table.new"` and friends: the single function OpenResty's module returns. */
export function tableModule(name: string): LuaFunction | undefined {
  switch (name) {
    case 'table.new':
      return tnew
    case 'table.clear':
      return clear
    case 'table.clone':
      return clone
    case 'table.isarray':
      return isarray
    case 'table.isempty':
      return isempty
    case 'table.nkeys':
      return nkeys
    default:
      return undefined
  }
}
