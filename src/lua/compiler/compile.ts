/**
 * A chunk of Lua source → a Lua function (a JS function made once with `new
 * Function`). Syntax is judged first by the LuaJIT-exact checker
 * (src/lua/syntax), so syntax errors carry LuaJIT's message; luaparse then
 * builds the tree the generator walks. The generated function's globals are
 * `env`; nothing else of the host is reachable from it: every name it uses is
 * a local, a helper passed in, or a field of `env`.
 */
import { createRequire } from 'node:module'
import type * as Luaparse from 'luaparse'
import { B } from '../core/budget.js'
import { LuaError } from '../core/errors.js'
import { arith, pow } from '../core/ops.js'
import { NONE, fromText, type LuaFunction, type LuaTable } from '../core/value.js'
import { checkLua } from '../syntax/index.js'
import { shortName } from './chunkname.js'
import { tempDecl } from './expr.js'
import { FnState, Gen } from './gen.js'
import { SOURCE_PREFIX, markSettled, registerChunk, type ChunkInfo } from './positions.js'
import * as rt from './runtime.js'
import { CompileRefusal, prepareSource } from './source.js'
import { block } from './stmt.js'
import { budgetCheck, weigh } from './weight.js'

type LuaparseModule = typeof Luaparse
let luaparse: LuaparseModule | undefined
const loadLuaparse = (): LuaparseModule => (luaparse ??= createRequire(import.meta.url)('luaparse') as LuaparseModule)

/** What compiled code gets as `$R`: each helper becomes a `$name` const in the chunk. */
const HELPERS: Record<string, unknown> = {
  idx: rt.idx,
  idxS: rt.idxS,
  gget: rt.gget,
  set: rt.set,
  setS: rt.setS,
  fnOf: rt.fnOf,
  add: rt.add,
  sub: rt.sub,
  mul: rt.mul,
  div: rt.div,
  mod: rt.mod,
  pow: rt.pow,
  unm: rt.unm,
  len: rt.len,
  eq: rt.eq,
  lt: rt.lt,
  le: rt.le,
  gt: rt.gt,
  ge: rt.ge,
  cat: rt.cat,
  catN: rt.catN,
  tbl: rt.tbl,
  tblSeq: rt.tblSeq,
  tblS1: rt.tblS1,
  tblS2: rt.tblS2,
  tblS3: rt.tblS3,
  tblS: rt.tblS,
  forNum: rt.forNum,
  iter3: rt.iter3,
  iterFast: rt.iterFast,
  arith,
  powN: pow,
  mkg: rt.mkg,
  up: rt.up,
  genOf: rt.genOf,
  noWhat: rt.noWhat,
}
const PRELUDE = `const { ${Object.keys(HELPERS)
  .map((k) => `${k}: $${k}`)
  .join(', ')} } = $R;`

export interface CompileOptions {
  /** `source` is already a Lua byte string (load() from Lua code), not UTF-8 text. */
  bytes?: boolean
}

/** A syntax error (or a refused construct) as LuaJIT's loadstring words it: `chunk:line: message`. */
function syntaxError(chunkname: string, line: number, message: string): LuaError {
  return markSettled(new LuaError(`${shortName(chunkname)}:${line}: ${message}`))
}

/**
 * Compiles `source` as a chunk named `chunkname` (`=name`, `@file`, or the
 * source itself as loadstring does) whose globals are `env`. Throws a LuaError
 * carrying LuaJIT's message for a syntax error.
 */
export function compile(source: string, chunkname: string, env: LuaTable, opts?: CompileOptions): LuaFunction {
  const text = opts?.bytes ? Buffer.from(source, 'latin1').toString('utf8') : source
  const syntax = checkLua(text)
  if (syntax !== undefined) throw syntaxError(chunkname, syntax.line, syntax.message)
  const bytes = opts?.bytes ? source : fromText(source)
  let prepared: string
  try {
    prepared = prepareSource(bytes)
  } catch (e) {
    if (e instanceof CompileRefusal) throw syntaxError(chunkname, e.line, e.message)
    throw e
  }
  let ast: Luaparse.Chunk
  try {
    ast = loadLuaparse().parse(prepared, {
      luaVersion: 'LuaJIT',
      encodingMode: 'pseudo-latin1',
      locations: true,
      ranges: true,
      scope: false,
      comments: false,
      extendedIdentifiers: true,
    } as unknown as Luaparse.Options)
  } catch (e) {
    // The checker accepted it: luaparse disagrees with LuaJIT here.
    const m = /^\[(\d+):\d+\] (.*)$/.exec(e instanceof Error ? e.message : String(e))
    throw syntaxError(chunkname, m ? Number(m[1]) : 1, `unsupported syntax: ${m ? m[2] : String(e)}`)
  }
  const g = new Gen(prepared, /\bcoroutine\b/.test(prepared))
  g.fn = new FnState(undefined, true)
  let body: string
  try {
    body = block(g, ast.body)
  } catch (e) {
    // Nesting LuaJIT accepts (it stops at 200 levels) but deep enough to exhaust the generator's stack.
    if (e instanceof RangeError) throw syntaxError(chunkname, 1, 'chunk too complex to compile')
    throw e
  }
  const main = `${g.gen ? 'function*' : 'function'} $main(...$va) { ${budgetCheck(weigh(ast.body))} ${tempDecl(g.fn)}${body} return NONE; }`
  // `$keep` references the chunk's tables, so they live as long as any of its functions.
  // The parentheses around $main ask V8 to compile its body now, with the config, rather than
  // lazily at its first request: for a chunk of thousands of statements that is tens of ms.
  const generated = `"use strict"; ${PRELUDE} ${g.consts.join(' ')} const $keep = () => $I; return ${g.gen ? `$mkg(${main})` : `(${main})`};`
  const { js, lines, calls } = g.finish(generated)
  const info: ChunkInfo = { name: shortName(chunkname), lines, calls }
  const id = registerChunk(info)
  let factory: (r: Record<string, unknown>, b: typeof B, e: LuaTable, none: typeof NONE, i: ChunkInfo) => LuaFunction
  try {
    factory = new Function('$R', 'B', 'E', 'NONE', '$I', `${js}\n//# sourceURL=${SOURCE_PREFIX}${id}`) as typeof factory
  } catch (e) {
    // V8's parser has its own nesting limit; anything else is a bug in the generator.
    if (e instanceof RangeError) throw syntaxError(chunkname, 1, 'chunk too complex to compile')
    throw new Error(`Lua compiler produced invalid JS for ${shortName(chunkname)}: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
  }
  return factory(HELPERS, B, env, NONE, info)
}
