/**
 * ngx.re.match/find/gmatch/sub/gsub with lua-resty-core's behaviour: option
 * letters (a d D i j J m o s u U x; j is accepted and ignored, o caches the
 * compiled regex in a bounded LRU shared by the process: programs are
 * immutable; d is emulated by exploring every path at the leftmost position
 * that matches, so it gives PCRE's DFA results but is metered like any
 * backtracking), the ctx table's `pos`, match's res_table and find's nth,
 * captures tables with [0], numbered and named groups (false when unset; with
 * D, a name maps to the list of its matched groups), `nil, err` for bad
 * regexes and PCRE errors, and sub/gsub templates ($0, $1, ${1}, $$; named
 * captures in templates are refused, as OpenResty does: "failed to compile the
 * replacement template").
 *
 * After an empty match the next search starts one byte later, as resty.core
 * does; in UTF mode that may be inside a character, which PCRE2 reports as
 * "pcre_exec() failed: -36" there and here.
 */
import { B } from '../../core/budget.js'
import { LuaError } from '../../core/errors.js'
import { index, le, setindex, tostring, toArith } from '../../core/ops.js'
import { LuaTable, typeName, type LuaFunction, type LuaValue } from '../../core/value.js'
import { compileRegex, execRegex, type Regex, type RegexOptions } from './pcre/index.js'

type Flags = RegexOptions & { once: boolean }

/**
 * Compiled programs are immutable, so one cache serves the process. `o`
 * regexes live in an LRU of lua_regex_cache_max_entries' default size; the
 * others in a smaller one: OpenResty recompiles them on every call, which
 * nothing can observe, and caching them spares snippets that forget `o`.
 * Keys are looked up per option string, then per pattern, so a hit builds no
 * new string.
 */
class RegexCache {
  private byOpts = new Map<string, Map<string, Regex>>()
  /** Every entry with its keys, least recently used first. */
  private order = new Map<Regex, [string, string]>()
  private mru: Regex | undefined

  constructor(private readonly max: number) {}

  get(opts: string, pattern: string): Regex | undefined {
    const re = this.byOpts.get(opts)?.get(pattern)
    if (re !== undefined && re !== this.mru) {
      const keys = this.order.get(re)!
      this.order.delete(re)
      this.order.set(re, keys)
      this.mru = re
    }
    return re
  }

  set(opts: string, pattern: string, re: Regex): void {
    let inner = this.byOpts.get(opts)
    if (inner === undefined) this.byOpts.set(opts, (inner = new Map()))
    inner.set(pattern, re)
    this.order.set(re, [opts, pattern])
    this.mru = re
    if (this.order.size > this.max) {
      const [oldest, [o, p]] = this.order.entries().next().value!
      this.order.delete(oldest)
      this.byOpts.get(o)?.delete(p)
    }
  }

  get size(): number {
    return this.order.size
  }
}

/** lua_regex_cache_max_entries' default. */
const once = new RegexCache(1024)
const casual = new RegexCache(256)

/** Entries in the compile-once cache (for tests and metrics). */
export function regexCacheSize(): number {
  return once.size
}

const flagsCache = new Map<string, Flags>()

function parseFlags(opts: string): Flags {
  const cached = flagsCache.get(opts)
  if (cached !== undefined) return cached
  const o: Flags = {
    caseless: false,
    multiline: false,
    dotall: false,
    extended: false,
    utf: false,
    dupnames: false,
    jsCompat: false,
    anchored: false,
    dfa: false,
    noUtfCheck: false,
    once: false,
  }
  for (const c of opts) {
    switch (c) {
      case 'o':
        o.once = true
        break
      case 'j':
        break
      case 'i':
        o.caseless = true
        break
      case 's':
        o.dotall = true
        break
      case 'm':
        o.multiline = true
        break
      case 'u':
        o.utf = true
        break
      case 'U':
        o.utf = true
        o.noUtfCheck = true
        break
      case 'x':
        o.extended = true
        break
      case 'd':
        o.dfa = true
        break
      case 'a':
        o.anchored = true
        break
      case 'D':
        o.dupnames = true
        break
      case 'J':
        o.jsCompat = true
        break
      default:
        throw new LuaError(`unknown flag "${c}" (flags "${opts}")`)
    }
  }
  // Option strings are few in practice; a snippet inventing them cannot grow this past 64.
  if (flagsCache.size >= 64) flagsCache.clear()
  flagsCache.set(opts, o)
  return o
}

function lengthError(v: LuaValue, name: string): never {
  throw new LuaError(`attempt to get length of local '${name}' (a ${typeName(v)} value)`)
}

/** The compiled regex, or nginx's error text. */
function compile(regex: LuaValue, opts: LuaValue): Regex | string {
  if (typeof regex !== 'string') lengthError(regex, 'regex')
  const o = opts === undefined ? '' : typeof opts === 'string' ? opts : lengthError(opts, 'opts')
  const flags = parseFlags(o)
  const cache = flags.once ? once : casual
  const hit = cache.get(o, regex)
  if (hit !== undefined) return hit
  const re = compileRegex(regex, flags)
  if (typeof re !== 'string') cache.set(o, regex, re)
  return re
}

/** ctx.pos as a 0-based start offset. */
function startOf(ctx: LuaValue): number {
  if (ctx === undefined) return 0
  const pos = index(ctx, 'pos')
  if (pos === undefined || pos === false || le(pos, 0)) return 0
  const n = toArith(pos)
  if (n === undefined) throw new LuaError(`attempt to perform arithmetic on a ${typeName(pos)} value`)
  return Math.trunc(n - 1)
}

function execError(rc: number): string {
  return `pcre_exec() failed: ${rc}`
}

/** collect_captures: [0] the match, [1..n] the groups (false when unset), then the names. */
function captures(re: Regex, s: string, slots: Int32Array, res?: LuaTable): LuaTable {
  const t = res ?? new LuaTable()
  B.alloc(16 * (re.ncap + 1))
  for (let i = 0; i <= re.ncap; i++) {
    const from = slots[2 * i]!
    const to = slots[2 * i + 1]!
    t.set(i, from >= 0 && to >= 0 ? s.slice(from, to) : false)
  }
  if (re.ncap > 0) {
    for (const [name, g] of re.prog.names) {
      const cap = t.get(g)
      if (re.opts.dupnames) {
        // Unmatched groups are left out of a duplicate name's list.
        if (cap === false || cap === undefined) continue
        const old = t.get(name)
        if (old instanceof LuaTable) old.set(old.length() + 1, cap)
        else t.set(name, new LuaTable([cap]))
      } else t.set(name, cap)
    }
  }
  return t
}

export const match: LuaFunction = (subj, regex, opts, ctx, res) => {
  const s = tostring(subj)
  const re = compile(regex, opts)
  if (typeof re === 'string') return [undefined, re]
  const slots = re.slots
  const rc = execRegex(re, s, startOf(ctx), slots)
  if (rc === 0) return [undefined]
  if (rc < 0) return [undefined, execError(rc)]
  // The table first: setting ctx.pos may run a __newindex that searches again with this regex.
  const end = slots[1]!
  const t = captures(re, s, slots, res instanceof LuaTable ? res : undefined)
  if (ctx !== undefined) setindex(ctx, 'pos', end + 1)
  return [t]
}

export const find: LuaFunction = (subj, regex, opts, ctx, nthArg) => {
  const s = tostring(subj)
  const re = compile(regex, opts)
  if (typeof re === 'string') return [undefined, undefined, re]
  const slots = re.slots
  const rc = execRegex(re, s, startOf(ctx), slots)
  if (rc === 0) return [undefined]
  if (rc < 0) return [undefined, undefined, execError(rc)]
  const end = slots[1]!
  let nth = nthArg === undefined || nthArg === false ? 0 : toArith(nthArg)
  if (nth === undefined) throw new LuaError(`attempt to compare ${typeName(nthArg)} with number`)
  nth = nth < 0 ? 0 : Math.trunc(nth)
  const from = nth <= re.ncap ? slots[2 * nth]! : -1
  const to = nth <= re.ncap ? slots[2 * nth + 1]! : -1
  if (ctx !== undefined) setindex(ctx, 'pos', end + 1)
  if (nth > re.ncap) return [undefined, undefined, 'nth out of bound']
  if (from < 0 || to < 0) return [undefined, undefined]
  return [from + 1, to]
}

export const gmatch: LuaFunction = (subj, regex, opts) => {
  const s = tostring(subj)
  const re = compile(regex, opts)
  if (typeof re === 'string') return [undefined, re]
  let pos: number | undefined = 0
  const iterator: LuaFunction = () => {
    if (pos === undefined) return [undefined]
    const slots = re.slots
    const rc = execRegex(re, s, pos, slots)
    if (rc === 0) {
      pos = undefined
      return [undefined]
    }
    if (rc < 0) {
      pos = undefined
      return [undefined, execError(rc)]
    }
    let next = slots[1]!
    if (next === slots[0]) {
      next++
      if (next > s.length) {
        pos = undefined
        return [captures(re, s, slots)]
      }
    }
    pos = next
    return [captures(re, s, slots)]
  }
  return [iterator]
}

/** A compiled replacement template: literal text and capture numbers. */
type Template = (string | number)[]

/** ngx_http_lua_script_compile for replacements; undefined when invalid. */
export function compileTemplate(t: string): Template | undefined {
  const parts: Template = []
  let lit = ''
  for (let i = 0; i < t.length;) {
    const c = t[i]!
    if (c !== '$') {
      lit += c
      i++
      continue
    }
    i++
    if (i >= t.length) return undefined
    if (t[i] === '$') {
      lit += '$'
      i++
      continue
    }
    let bracket = false
    if (t[i] === '{') {
      bracket = true
      i++
      if (i >= t.length) return undefined
    }
    const m = /^\d+/.exec(t.slice(i))
    if (m === null) return undefined
    i += m[0].length
    if (bracket) {
      if (t[i] !== '}') return undefined
      i++
    }
    if (lit !== '') parts.push(lit)
    lit = ''
    parts.push(Number(m[0]))
  }
  if (lit !== '') parts.push(lit)
  return parts
}

function expand(tpl: Template, s: string, slots: Int32Array, ncap: number): string {
  let out = ''
  for (const p of tpl) {
    if (typeof p === 'string') out += p
    else if (p <= ncap && slots[2 * p]! >= 0 && slots[2 * p + 1]! >= 0) out += s.slice(slots[2 * p], slots[2 * p + 1])
  }
  return out
}

function substitute(global: boolean, subj: LuaValue, regex: LuaValue, replace: LuaValue, opts: LuaValue): LuaValue[] {
  // resty.core: a function is called with the captures; anything else is a template (through tostring).
  const fn = typeof replace === 'function' ? replace : undefined
  const re = compile(regex, opts)
  if (typeof re === 'string') return [undefined, undefined, re]
  let tpl: Template | undefined
  if (fn === undefined) {
    tpl = compileTemplate(tostring(replace))
    if (tpl === undefined) return [undefined, undefined, 'failed to compile the replacement template']
  }
  const s = tostring(subj)
  const n = s.length
  let out = ''
  let count = 0
  let pos = 0
  let copied = 0
  const slots = re.slots
  for (;;) {
    const rc = execRegex(re, s, pos, slots)
    if (rc === 0) break
    if (rc < 0) return [undefined, undefined, execError(rc)]
    count++
    const from = slots[0]!
    const to = slots[1]!
    const piece = fn === undefined ? expand(tpl!, s, slots, re.ncap) : tostring(fn(captures(re, s, slots))[0])
    out += s.slice(copied, from) + piece
    B.steps(1 + (piece.length >> 4))
    copied = to
    pos = to
    if (pos === from) {
      pos++
      if (pos > n) break
    }
    if (!global) break
  }
  if (count === 0) return [s, 0]
  out += s.slice(copied)
  B.alloc(out.length)
  return [out, count]
}

export const sub: LuaFunction = (subj, regex, replace, opts) => substitute(false, subj, regex, replace, opts)
export const gsub: LuaFunction = (subj, regex, replace, opts) => substitute(true, subj, regex, replace, opts)

/** The ngx.re table (read-only). */
export function newReTable(): LuaTable {
  const t = new LuaTable()
  t.setStr('match', match)
  t.setStr('find', find)
  t.setStr('gmatch', gmatch)
  t.setStr('sub', sub)
  t.setStr('gsub', gsub)
  t.readonlyName = 'ngx.re'
  return t
}
