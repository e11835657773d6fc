/**
 * Lua syntax checking without a Lua VM, for config validation (pre-function /
 * post-function code, request-callout `by_lua`, `$(...)` expressions). Verdicts
 * and messages are LuaJIT 2.1's `loadstring` ones, because Kong runs LuaJIT and
 * those are what its own validation shows.
 *
 * - The lexer is a port of LuaJIT's (lj_lex.c, lj_strscan.c) over the UTF-8
 *   bytes: luaparse reads a token ahead, so its lexical errors come a token early,
 *   and its number, escape and long-bracket rules are not LuaJIT's.
 * - luaparse (LuaJIT mode) judges the grammar on a neutral copy of the tokens
 *   (names `n`, numbers `0`, strings `''`, each on its LuaJIT line); its message
 *   is reworded as LuaJIT words it, at the token where it stopped.
 * - goto / label / break scoping and the 200-level nesting limit are checked here,
 *   where LuaJIT checks them, so the first error reported is the one LuaJIT reports.
 * - luaparse is loaded by the first check: importing this module loads nothing.
 */
import { createRequire } from 'node:module'
import type * as Luaparse from 'luaparse'

export interface LuaSyntaxError {
  /** 1-based line inside the source. */
  line: number
  /** LuaJIT's message without the location, e.g. `unexpected symbol near '='`. */
  message: string
  /** LuaJIT's full message, e.g. `[string "local a = 1..."]:3: unexpected symbol near '='`. */
  raw: string
}

/** Checks a chunk; undefined when LuaJIT's loadstring would accept it. Never throws. */
export function checkLua(source: string): LuaSyntaxError | undefined {
  const src = Buffer.from(source, 'utf8')
  const id = chunkId(src)
  try {
    const e = check(src)
    if (!e) return undefined
    const message = e.near === undefined ? e.message : `${e.message} near '${e.near}'`
    return e.line === 0 ? { line: 1, message, raw: message } : { line: e.line, message, raw: `${id}:${e.line}: ${message}` }
  } catch (err) {
    if (err instanceof RangeError) return { line: 1, message: TOO_DEEP, raw: `${id}:1: ${TOO_DEEP}` }
    const message = err instanceof Error ? err.message : String(err)
    return { line: 1, message, raw: `${id}:1: ${message}` }
  }
}

/** Checks the inside of `$(...)`, wrapped as the Lua engine compiles it. */
export function checkLuaExpression(expr: string): LuaSyntaxError | undefined {
  return checkLua(`return (${expr}\n)`)
}

type LuaparseModule = typeof Luaparse
let luaparse: LuaparseModule | undefined
const loadLuaparse = (): LuaparseModule => (luaparse ??= createRequire(import.meta.url)('luaparse') as LuaparseModule)

const TOO_DEEP = 'chunk has too many syntax levels'
/** LuaJIT's LJ_MAX_XLEVEL. */
const MAX_LEVEL = 200

/**
 * How LuaJIT names `loadstring(src)` in messages (lj_debug_shortname, LUA_IDSIZE 60):
 * `[string "..."]` with the source up to its first control character, cut to 45
 * bytes plus `...` when longer than 48; a source starting with `=` or `@` is
 * taken as a literal name or a file name, as Lua does with any chunk name.
 */
function chunkId(src: Uint8Array): string {
  const nul = src.indexOf(0)
  const str = nul < 0 ? src : src.subarray(0, nul)
  if (str[0] === 0x3d) return bytesText(str.subarray(1, 60))
  if (str[0] === 0x40) return src.length - 1 >= 60 ? `...${bytesText(src.subarray(src.length - 56))}` : bytesText(str.subarray(1))
  let len = 0
  while (len < 48 && len < str.length && str[len]! >= 0x20) len++
  if (len < str.length) return `[string "${bytesText(str.subarray(0, Math.min(len, 45)))}..."]`
  return `[string "${bytesText(str.subarray(0, len))}"]`
}

/** Bytes as LuaJIT prints them with %s: up to the first NUL. */
function bytesText(bytes: Uint8Array): string {
  let n = bytes.indexOf(0)
  if (n < 0) n = bytes.length
  let ascii = n <= 256
  for (let i = 0; ascii && i < n; i++) if (bytes[i]! >= 0x80) ascii = false
  return ascii ? String.fromCharCode(...bytes.subarray(0, n)) : Buffer.from(bytes.buffer, bytes.byteOffset, n).toString('utf8')
}

// ---------------------------------------------------------------- lexer (lj_lex.c)

/** A token: `t` is 'name' | 'number' | 'string' | 'char' (a stray byte) | 'nul' | 'eof' | a keyword | a symbol. */
interface Tok {
  t: string
  /** LuaJIT's line number once the token is read (its last line). */
  line: number
  /** How LuaJIT names the token after `near`. */
  text: string
}

/** An error in LuaJIT's terms; `near` undefined when LuaJIT names no token. Line 0: no location at all. */
interface Found {
  line: number
  message: string
  near: string | undefined
}

class LexFail {
  constructor(readonly found: Found) {}
}

const KEYWORDS = new Set('and break do else elseif end false for function goto if in local nil not or repeat return then true until while'.split(' '))
/** Single-byte tokens the grammar uses; any other stray byte is a token nothing accepts. */
const SINGLE = new Set('+-*/%^#(){}[];,.<>=:'.split(''))

const isDigit = (c: number): boolean => c >= 48 && c <= 57
const isXDigit = (c: number): boolean => isDigit(c) || ((c | 0x20) >= 97 && (c | 0x20) <= 102)
const isIdent = (c: number): boolean => isDigit(c) || ((c | 0x20) >= 97 && (c | 0x20) <= 122) || c === 95 || c >= 128
const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13)
const isEol = (c: number): boolean => c === 10 || c === 13

interface Lexed {
  toks: Tok[]
  /** A lexical error while reading token `at` (toks has `at` tokens). */
  error?: { at: number; found: Found }
  /** Bytecode instead of source: LuaJIT's loader answers without a location. */
  bytecode?: string
}

function lex(src: Uint8Array): Lexed {
  const n = src.length
  let pos = 0
  let c = n > 0 ? src[0]! : -1
  let line = 1
  // the text of the token being read, as LuaJIT's lexer keeps it (for messages)
  let sb = Buffer.alloc(256)
  let sbLen = 0
  let word = ''
  const next = (): number => (c = ++pos < n ? src[pos]! : -1)
  /** The current character, read through a call so narrowing does not survive next(). */
  const cur = (): number => c
  const save = (ch: number): void => {
    if (sbLen === sb.length) {
      const grown = Buffer.alloc(sb.length * 2)
      grown.set(sb)
      sb = grown
    }
    sb[sbLen++] = ch & 0xff
  }
  const sbText = (): string => {
    const nul = sb.subarray(0, sbLen).indexOf(0)
    return sb.toString('utf8', 0, nul < 0 ? sbLen : nul)
  }
  const saveNext = (): number => (save(c), next())
  const newline = (): void => {
    const old = c
    next()
    if (isEol(c) && c !== old) next()
    line++
  }
  const fail = (near: string | undefined, message: string): never => {
    throw new LexFail({ line, message, near })
  }
  const escFail = (): never => fail(sbText(), 'invalid escape sequence')

  const skipEq = (): number => {
    let count = 0
    const s = c
    while (saveNext() === 61 && count < 0x20000000) count++
    return c === s ? count : -count - 1
  }

  const longString = (isString: boolean, sep: number): void => {
    saveNext()
    if (isEol(c)) newline()
    for (;;) {
      if (c === -1) fail('<eof>', isString ? 'unfinished long string' : 'unfinished long comment')
      else if (c === 93) {
        if (skipEq() === sep) {
          saveNext()
          return
        }
      } else if (isEol(c)) {
        save(10)
        newline()
        if (!isString) sbLen = 0
      } else saveNext()
    }
  }

  const number = (): void => {
    let xp = 101
    let prev = c
    if (c === 48 && (saveNext() | 0x20) === 120) xp = 112
    while (isIdent(c) || c === 46 || ((c === 45 || c === 43) && (prev | 0x20) === xp)) {
      prev = c
      saveNext()
    }
    if (!validNumber(sb.subarray(0, sbLen))) fail(sbText(), 'malformed number')
  }

  const string = (): void => {
    const delim = c
    saveNext()
    while (c !== delim) {
      if (c === -1) fail('<eof>', 'unfinished string')
      if (isEol(c)) fail(sbText(), 'unfinished string')
      if (c !== 92) {
        saveNext()
        continue
      }
      let ch = next()
      switch (ch) {
        case 97:
          ch = 7
          break
        case 98:
          ch = 8
          break
        case 102:
          ch = 12
          break
        case 110:
          ch = 10
          break
        case 114:
          ch = 13
          break
        case 116:
          ch = 9
          break
        case 118:
          ch = 11
          break
        case 120: // \xXX
          ch = (next() & 15) << 4
          if (!isDigit(c)) {
            if (!isXDigit(c)) escFail()
            ch += 9 << 4
          }
          ch += next() & 15
          if (!isDigit(c)) {
            if (!isXDigit(c)) escFail()
            ch += 9
          }
          break
        case 117: // \u{XXX}
          if (next() !== 123) escFail()
          next()
          ch = 0
          do {
            ch = (ch << 4) | (c & 15)
            if (!isDigit(c)) {
              if (!isXDigit(c)) escFail()
              ch += 9
            }
            if (ch >= 0x110000) escFail()
          } while (next() !== 125)
          if (ch < 0x800) {
            if (ch < 0x80) break
            save(0xc0 | (ch >> 6))
          } else {
            if (ch >= 0x10000) {
              save(0xf0 | (ch >> 18))
              save(0x80 | ((ch >> 12) & 0x3f))
            } else {
              if (ch >= 0xd800 && ch < 0xe000) escFail()
              save(0xe0 | (ch >> 12))
            }
            save(0x80 | ((ch >> 6) & 0x3f))
          }
          ch = 0x80 | (ch & 0x3f)
          break
        case 122: // \z
          next()
          while (isSpace(c)) {
            if (isEol(c)) newline()
            else next()
          }
          continue
        case 10:
        case 13:
          save(10)
          newline()
          continue
        case 92:
        case 34:
        case 39:
          break
        case -1:
          continue
        default:
          if (!isDigit(ch)) escFail()
          ch -= 48
          if (isDigit(next())) {
            ch = ch * 10 + (c - 48)
            if (isDigit(next())) {
              ch = ch * 10 + (c - 48)
              if (ch > 255) escFail()
              next()
            }
          }
          save(ch)
          continue
      }
      save(ch)
      next()
    }
    saveNext()
  }

  const two = (second: number, one: string, both: string): string => {
    next()
    if (c !== second) return one
    next()
    return both
  }

  const scan = (): string => {
    sbLen = 0
    for (;;) {
      if (isIdent(c)) {
        if (isDigit(c)) {
          number()
          return 'number'
        }
        do saveNext()
        while (isIdent(c))
        word = sbText()
        return KEYWORDS.has(word) ? word : 'name'
      }
      switch (c) {
        case 10:
        case 13:
          newline()
          continue
        case 32:
        case 9:
        case 11:
        case 12:
          next()
          continue
        case 45: // - or a comment
          if (next() !== 45) return '-'
          if (next() === 91) {
            const sep = skipEq()
            sbLen = 0
            if (sep >= 0) {
              longString(false, sep)
              sbLen = 0
              continue
            }
          }
          while (!isEol(cur()) && cur() !== -1) next()
          continue
        case 91: {
          const sep = skipEq()
          if (sep >= 0) {
            longString(true, sep)
            return 'string'
          }
          if (sep === -1) return '['
          return fail(sbText(), 'invalid long string delimiter')
        }
        case 61:
          return two(61, '=', '==')
        case 60:
          return two(61, '<', '<=')
        case 62:
          return two(61, '>', '>=')
        case 126:
          return two(61, '~', '~=')
        case 58:
          return two(58, ':', '::')
        case 34:
        case 39:
          string()
          return 'string'
        case 46:
          if (saveNext() === 46) {
            next()
            if (c !== 46) return '..'
            next()
            return '...'
          }
          if (!isDigit(c)) return '.'
          number()
          return 'number'
        case -1:
          return 'eof'
        default: {
          const ch = c
          next()
          return String.fromCharCode(ch)
        }
      }
    }
  }

  // lj_lex_setup: a UTF-8 BOM and a first line starting with '#' are skipped.
  let header = false
  if (c === 0xef && n >= 3 && src[1] === 0xbb && src[2] === 0xbf) {
    pos = 2
    next()
    header = true
  }
  if (c === 35) {
    do if (next() === -1) return { toks: [{ t: 'eof', line, text: '<eof>' }] }
    while (!isEol(c))
    newline()
    header = true
  }
  if (c === 0x1b) return { toks: [], bytecode: header ? 'cannot load malformed bytecode' : '(binary): cannot load incompatible bytecode' }

  const toks: Tok[] = []
  try {
    for (;;) {
      let t = scan()
      let text = t
      if (t === 'name') text = word
      else if (t === 'number' || t === 'string') text = sbText()
      else if (t === 'eof') text = '<eof>'
      else if (t.length === 1 && !SINGLE.has(t)) {
        const code = t.charCodeAt(0)
        text = code < 32 || code === 127 ? `char(${code})` : t
        t = code === 0 ? 'nul' : 'char'
      }
      toks.push({ t, line, text })
      if (t === 'eof') return { toks }
    }
  } catch (e) {
    if (e instanceof LexFail) return { toks, error: { at: toks.length, found: e.found } }
    throw e
  }
}

const MAX_EXP = 1 << 20

/** lj_strscan_scan's verdict on a number token, with LuaJIT's options (doubles, FFI `LL`/`ULL`/`i` suffixes). */
function validNumber(s: Uint8Array): boolean {
  const at = (i: number): number => (i < s.length ? s[i]! : 0)
  let p = 0
  let base = 10
  let hasDig = false
  let dig = 0
  let dp = -1
  let fmt: 'int' | 'num' | 'imag' | 'u32' | 'i64' | 'u64' = 'int'
  if (at(p) <= 48) {
    if (at(p) === 48) {
      const x = at(p + 1) | 0x20
      if (x === 120 || x === 98) {
        base = x === 120 ? 16 : 2
        p += 2
      }
    }
    for (; ; p++) {
      if (at(p) === 48) hasDig = true
      else if (at(p) === 46) {
        if (dp >= 0) return false
        dp = p
      } else break
    }
  }
  const sp = p
  for (; ; p++) {
    const ch = at(p)
    if (base === 16 ? isXDigit(ch) : isDigit(ch)) dig++
    else if (ch === 46) {
      if (dp >= 0) return false
      dp = p
    } else break
  }
  if (!hasDig && !dig) return false
  if (dp >= 0) {
    if (base === 2) return false
    fmt = 'num'
    if (dig) {
      let ex = dp - (p - 1)
      let q = p - 1
      while (ex < 0 && at(q--) === 48) ex++
      if (ex <= -MAX_EXP) return false
    }
  }
  if (base >= 10 && (at(p) | 0x20) === (base === 16 ? 112 : 101)) {
    fmt = 'num'
    p++
    if (at(p) === 43 || at(p) === 45) p++
    if (!isDigit(at(p))) return false
    let xx = at(p++) & 15
    while (isDigit(at(p))) {
      xx = xx * 10 + (at(p) & 15)
      if (xx >= MAX_EXP) return false
      p++
    }
  }
  if (at(p)) {
    if ((at(p) | 0x20) === 105) {
      p++
      fmt = 'imag'
    } else if (fmt === 'int') {
      if ((at(p) | 0x20) === 117) {
        p++
        fmt = 'u32'
      }
      if ((at(p) | 0x20) === 108) {
        p++
        if ((at(p) | 0x20) !== 108) return false
        p++
        fmt = fmt === 'u32' ? 'u64' : 'i64'
      }
      if ((at(p) | 0x20) === 117 && (fmt === 'int' || fmt === 'i64')) {
        p++
        fmt = fmt === 'int' ? 'u32' : 'u64'
      }
      if (fmt === 'u32') return false
    }
    if (at(p)) return false
  }
  if (p < s.length) return false
  const wide = fmt === 'i64' || fmt === 'u64'
  if (base === 2) {
    if (dig > 64) return false
    for (let i = sp; i < sp + dig; i++) if ((at(i) & ~1) !== 48) return false
  } else if (base === 16) {
    if (wide && dig > 16) return false
  } else if (wide) {
    if (dig > 20) return false
    if (dig === 20 && BigInt(String.fromCharCode(...s.subarray(sp, sp + dig))) >= 1n << 64n) return false
  }
  return true
}

// ---------------------------------------------------------------- the check

interface Candidate extends Found {
  /** Token index where LuaJIT's parser stands when it raises the error. */
  pos: number
  /** Order of errors raised at the same token: lexer, label/nesting checks, grammar, end-of-function checks. */
  rank: number
}

const BLOCK_END = new Set(['else', 'elseif', 'end', 'until', 'eof'])
/** Tokens after which `goto` is a name in an expression, not the start of a goto statement. */
const EXPR_BEFORE = new Set('= , ( [ { + - * / % ^ # .. == ~= < <= > >= and or not return in if elseif while until local function . : for'.split(' '))

function check(src: Uint8Array): Found | undefined {
  const { toks, error: lexError, bytecode } = lex(src)
  if (bytecode) return { line: 0, message: bytecode, near: undefined }
  const k = lexError ? lexError.at : toks.length - 1 // tokens luaparse sees; toks[k] is <eof> or the unreadable one
  const lineAt = (i: number): number => toks[i]?.line ?? lexError?.found.line ?? 1
  const cands: Candidate[] = []
  if (lexError) cands.push({ ...lexError.found, pos: k, rank: 0 })

  const gotoStmt = gotoStatements(toks, k)
  const s = sanitize(toks, k, gotoStmt)
  const seen = parse(s.code)
  const err = seen.error
  if (err !== undefined && !(err instanceof RangeError) && !isLuaparseError(err)) {
    // not a verdict on the code: report it rather than throw
    return { line: 1, message: err instanceof Error ? err.message : String(err), near: undefined }
  }

  const syntaxPos = isLuaparseError(err) ? s.tokenAt(err, k) : undefined
  const stop = syntaxPos === undefined ? k : Math.min(syntaxPos, k)
  const tr = track(toks, { stop, settleAtStop: !lexError || stop < k, finishMain: !err && !lexError, gotoStmt })
  if (tr.flow) cands.push(tr.flow)
  if (tr.syntax) cands.push(tr.syntax)

  if (err instanceof RangeError) {
    // luaparse ran out of stack; LuaJIT stopped at 200 levels well before that point.
    const at = tr.levelAt ?? tr.deepest
    cands.push({ line: lineAt(at), message: TOO_DEEP, near: undefined, pos: at, rank: 1 })
  } else if (syntaxPos !== undefined) {
    if (syntaxPos < k || !lexError) cands.push({ ...translate(err, syntaxPos, toks, tr, seen, s), line: lineAt(syntaxPos), pos: syntaxPos, rank: 2 })
    // statements luaparse completed before the error, at a level the tracker knows; else a lower bound
    let at = tr.levelAt
    const levelOf = (st: Node): number => tr.stmtLevel[s.byStart.get(st.range![0]) ?? 0] ?? -1
    for (let i = 0; i < seen.completed.length;) {
      // runs of statements at one level, so a run of labels is seen whole
      const level = levelOf(seen.completed[i]!)
      let j = i + 1
      while (j < seen.completed.length && levelOf(seen.completed[j]!) === level) j++
      const run = seen.completed.slice(i, j) as Luaparse.Statement[]
      const found = level > 0 ? levels(run, level, toks, s, tr, seen, gotoStmt) : undefined
      if (found !== undefined && (at === undefined || found < at)) at = found
      i = j
    }
    if (at !== undefined) cands.push({ line: lineAt(at), message: TOO_DEEP, near: undefined, pos: at, rank: 1 })
  } else if (seen.chunk) {
    const at = levels(seen.chunk.body, 1, toks, s, tr, seen, gotoStmt)
    if (at !== undefined) cands.push({ line: lineAt(at), message: TOO_DEEP, near: undefined, pos: at, rank: 1 })
  }
  if (!cands.length) return undefined
  cands.sort((a, b) => a.pos - b.pos || a.rank - b.rank)
  const first = cands[0]!
  return { line: first.line, message: first.message, near: first.near }
}

/** luaparse's own syntax errors carry the offset they were raised at. */
function isLuaparseError(e: unknown): e is SyntaxError & { index: number } {
  return e instanceof SyntaxError && typeof (e as { index?: unknown }).index === 'number'
}

/**
 * Which `goto` tokens start a goto statement: LuaJIT takes `goto <name>` as one
 * at the start of a statement. A statement starts after a complete expression
 * too (`x = a goto b`), but not inside brackets or a while/for header.
 */
function gotoStatements(toks: Tok[], k: number): Set<number> {
  const out = new Set<number>()
  const open: string[] = []
  let inLabel = false
  for (let i = 0; i < k; i++) {
    const t = toks[i]!.t
    const top = open[open.length - 1]
    if (t === '::') inLabel = !inLabel
    else if (t === '(' || t === '[' || t === '{' || t === 'while' || t === 'for') open.push(t)
    else if (t === 'do' && (top === 'while' || top === 'for')) open[open.length - 1] = 'block'
    else if (t === 'do') open.push('block')
    else if (t === 'function' || t === 'if' || t === 'repeat') open.push('block')
    else if (t === ')' || t === ']' || t === '}' || t === 'end' || t === 'until') open.pop()
    if (t !== 'goto' || i + 1 >= k || toks[i + 1]!.t !== 'name') continue
    const prev = i > 0 ? toks[i - 1]!.t : ''
    if (EXPR_BEFORE.has(prev) || (prev === '::' && inLabel) || (top !== undefined && top !== 'block')) continue
    out.add(i)
  }
  return out
}

/** Token index by offset in the sanitised code. */
class TokenAt {
  private readonly at: Int32Array
  constructor(size: number) {
    this.at = new Int32Array(size + 1).fill(-1)
  }
  set(offset: number, i: number): void {
    this.at[offset] = i
  }
  get(offset: number): number | undefined {
    const i = this.at[offset]
    return i === undefined || i < 0 ? undefined : i
  }
}

interface Sanitized {
  code: string
  /** Offset in `code` where token i starts / ends (-1: not emitted). */
  starts: Int32Array
  ends: Int32Array
  byStart: TokenAt
  byEnd: TokenAt
  /** Token index of the token luaparse reported at. */
  tokenAt(e: unknown, k: number): number
}

/**
 * The tokens as luaparse should see them: names `n` (labels `n<i>`, so they never
 * clash; nothing is `goto`), numbers `0`, strings `''` (luaparse compares token
 * values, so a string "end" would pass for the keyword), stray bytes as `in`
 * (which no grammar rule takes outside a for header), goto statements as
 * `do end`, break as `return;` (luaparse reports a misplaced break at once,
 * LuaJIT at the function's end), each token on its LuaJIT line so luaparse's
 * "ambiguous syntax" check agrees.
 */
function sanitize(toks: Tok[], k: number, gotoStmt: Set<number>): Sanitized {
  const starts = new Int32Array(toks.length).fill(-1)
  const ends = new Int32Array(toks.length).fill(-1)
  let code = ''
  let curLine = 1
  const brackets: string[] = []
  const emit = (i: number, text: string, line: number): void => {
    if (line > curLine) {
      code += '\n'.repeat(line - curLine)
      curLine = line
    }
    code += ' '
    starts[i] = code.length
    code += text
    ends[i] = code.length
  }
  const synthEnds = new Map<number, number>()
  for (let i = 0; i < k; i++) {
    const tk = toks[i]!
    let line = tk.line
    let text: string
    switch (tk.t) {
      case 'name':
        text = i > 0 && gotoStmt.has(i - 1) ? 'end' : toks[i - 1]?.t === '::' ? `n${i}` : 'n'
        break
      case 'goto':
        text = gotoStmt.has(i) ? 'do' : toks[i - 1]?.t === '::' ? `n${i}` : 'n'
        break
      case 'number':
        text = '0'
        break
      case 'string':
        text = "''"
        break
      case 'char':
      case 'nul':
        text = forHeader(toks, i) ? 'then' : 'in'
        break
      case 'break':
        text = 'return'
        break
      default:
        text = tk.t
    }
    if (tk.t === '(' && i > 0 && lookedAhead(toks, i - 1, brackets)) line = Math.min(line, curLine)
    if (tk.t === '(' || tk.t === '[' || tk.t === '{') brackets.push(tk.t)
    else if (tk.t === ')' || tk.t === ']' || tk.t === '}') brackets.pop()
    emit(i, text, line)
    if (tk.t === 'break' && toks[i + 1]?.t !== ';') {
      code += ' ;'
      synthEnds.set(code.length, i)
    }
  }
  const lastLine = k < toks.length ? toks[k]!.line : curLine
  if (lastLine > curLine) code += '\n'.repeat(lastLine - curLine)
  // luaparse's <eof> sits after this space, so it never shares an offset with a token's end
  code += ' '
  const len = code.length
  const byStart = new TokenAt(len)
  const byEnd = new TokenAt(len)
  for (const [offset, i] of synthEnds) byEnd.set(offset, i)
  for (let i = 0; i < k; i++) {
    if (starts[i]! >= 0) byStart.set(starts[i]!, i)
    if (ends[i]! >= 0) byEnd.set(ends[i]!, i)
  }
  return {
    code,
    starts,
    ends,
    byStart,
    byEnd,
    tokenAt(e, k) {
      const err = e as { index?: unknown; message?: unknown }
      const index = typeof err.index === 'number' ? err.index : len
      if (/ambiguous syntax/.test(String(err.message))) {
        // raised with luaparse's lexer past the token after the '(' (or at <eof>)
        const after = byEnd.get(index)
        return after !== undefined ? after - 1 : k - 1
      }
      const at = byStart.get(index)
      if (at !== undefined) return at
      if (index >= len) return k
      for (let i = 0; i < k; i++) if (starts[i]! >= index) return i
      return k
    },
  }
}

/** A stray byte right after `for a, b`: LuaJIT wants '=' or 'in' there, so it must not read as `in`. */
function forHeader(toks: Tok[], i: number): boolean {
  let j = i - 1
  while (j >= 1 && (toks[j]!.t === 'name' || toks[j]!.t === 'goto')) {
    if (toks[j - 1]!.t === 'for') return true
    if (toks[j - 1]!.t !== ',') return false
    j -= 2
  }
  return false
}

/**
 * LuaJIT looked at the token after `i` before consuming `i` (a statement starting
 * with `goto`, a table field starting with a name), which makes it skip the
 * "ambiguous syntax" check for a '(' there.
 */
function lookedAhead(toks: Tok[], i: number, brackets: string[]): boolean {
  const t = toks[i]!.t
  const prev = i > 0 ? toks[i - 1]!.t : ''
  if (t === 'goto' && !EXPR_BEFORE.has(prev)) return true
  if (t !== 'name' && t !== 'goto') return false
  return prev === '{' || ((prev === ',' || prev === ';') && brackets[brackets.length - 1] === '{')
}

// ---------------------------------------------------------------- luaparse

type Node = Luaparse.Node & { range?: [number, number] }

interface Seen {
  chunk?: Luaparse.Chunk
  error?: unknown
  /** End offsets of completed statements, of return statements; call expressions by end offset → start offset. */
  stmtEnds: Set<number>
  returnEnds: Set<number>
  callEnds: Map<number, number>
  /** End offsets of `f(...)` calls: their ')' closes an argument list, not a parenthesised expression. */
  argListEnds: Set<number>
  /** Completed statements not inside another completed statement, in order. */
  completed: Node[]
}

const STATEMENTS = new Set([
  'LabelStatement',
  'BreakStatement',
  'GotoStatement',
  'ReturnStatement',
  'IfStatement',
  'WhileStatement',
  'DoStatement',
  'RepeatStatement',
  'LocalStatement',
  'AssignmentStatement',
  'CallStatement',
  'ForNumericStatement',
  'ForGenericStatement',
])

function parse(code: string): Seen {
  const seen: Seen = { stmtEnds: new Set(), returnEnds: new Set(), callEnds: new Map(), argListEnds: new Set(), completed: [] }
  const onCreateNode = (node: Node): void => {
    const range = node.range
    if (!range) return
    const type = node.type
    if (STATEMENTS.has(type) || (type === 'FunctionDeclaration' && node.identifier !== null)) {
      seen.stmtEnds.add(range[1])
      // nodes arrive children first: the statements inside this one are the last ones kept
      const done = seen.completed
      while (done.length && done[done.length - 1]!.range![0] >= range[0]) done.pop()
      done.push(node)
    }
    if (type === 'ReturnStatement') seen.returnEnds.add(range[1])
    if (type === 'CallExpression' || type === 'StringCallExpression' || type === 'TableCallExpression') seen.callEnds.set(range[1], range[0])
    if (type === 'CallExpression') seen.argListEnds.add(range[1])
  }
  try {
    seen.chunk = loadLuaparse().parse(code, {
      luaVersion: 'LuaJIT',
      comments: false,
      ranges: true,
      onCreateNode: onCreateNode as (node: Luaparse.Node) => void,
    })
  } catch (e) {
    seen.error = e
  }
  return seen
}

/** luaparse's message for the error at token `at`, in LuaJIT's words. */
function translate(error: unknown, at: number, toks: Tok[], tr: Tracked, seen: Seen, s: Sanitized): { message: string; near: string | undefined } {
  const raw = String((error as Error).message).replace(/^\[\d+:\d+\] /, '')
  const here = toks[at]!
  const prev = at > 0 ? toks[at - 1] : undefined
  const near = here.t === 'nul' ? undefined : here.text
  const out = (message: string): { message: string; near: string | undefined } => ({ message, near })
  const endOfPrev = prev ? s.ends[at - 1]! : -1
  // luaparse's offsets as tokens (a break's return ends at the ';' added after it)
  const endsPrev = (offsets: Iterable<number>): boolean => {
    for (const o of offsets) if (s.byEnd.get(o) === at - 1) return true
    return false
  }
  const match = (what: string, who: string, line: number): { message: string; near: string | undefined } =>
    out(line === here.line ? `'${what}' expected` : `'${what}' expected (to close '${who}' at line ${line})`)

  if (/^ambiguous syntax/.test(raw)) return out('ambiguous syntax (function call x new statement)')
  if (/^cannot use '\.\.\.'/.test(raw)) return out("cannot use '...' outside a vararg function")
  // `return` takes an expression list unless a block ends or ';' follows; luaparse ends the return instead.
  if (prev?.t === 'return' && !BLOCK_END.has(here.t) && here.t !== ';') return out('unexpected symbol')
  if (/^<expression> expected/.test(raw)) return out('unexpected symbol')
  if (/^<name> expected/.test(raw)) return out("'<name>' expected")
  if (/^<name> or '\.\.\.' expected/.test(raw)) return out("<name> or '...' expected")
  if (/^function arguments expected/.test(raw)) return out('function arguments expected')

  const expected = /^'(.+?)' expected near /s.exec(raw)
  if (expected) {
    const what = expected[1]!
    const frame = tr.innermost(what)
    switch (what) {
      case ')':
        // an empty slot in an argument list: LuaJIT parses an expression there
        if (prev?.t === '(' && frame && !frame.params) return out('unexpected symbol')
        return frame && !frame.params ? match(')', '(', frame.line) : out("')' expected")
      case '}':
        if (prev && (prev.t === '{' || prev.t === ',' || prev.t === ';')) return out('unexpected symbol')
        return frame ? match('}', '{', frame.line) : out("'}' expected")
      case 'end':
        return frame ? match('end', frame.kind, frame.line) : out("'end' expected")
      case 'until':
        return frame ? match('until', 'repeat', frame.line) : out("'until' expected")
      case 'in':
        if (prev && (prev.t === 'name' || prev.t === 'goto') && toks[at - 2]?.t === 'for') return out("'=' or 'in' expected")
        return out("'in' expected")
      default:
        return out(`'${what}' expected`)
    }
  }

  if (/^unexpected /.test(raw)) {
    // After a top-level return the chunk must end.
    if (endsPrev(seen.returnEnds)) return out("'<eof>' expected")
    // After `a,` LuaJIT wants another assignable expression.
    if (prev?.t === ',') return out('unexpected symbol')
    const statementStart = at === 0 || !prev || endsPrev(seen.stmtEnds) || ['do', 'then', 'else', 'repeat', ';'].includes(prev.t) || tr.paramsClose.has(at - 1)
    // A block end where no block is open: the chunk must end there.
    if (statementStart) return out(BLOCK_END.has(here.t) && here.t !== 'eof' ? "'<eof>' expected" : 'unexpected symbol')
    // After an assignment target: a call that starts a statement ends it, anything else cannot be assigned to.
    const callStart = seen.callEnds.get(endOfPrev)
    if (callStart !== undefined) {
      const first = s.byStart.get(callStart)
      if (first !== undefined && (first === 0 || toks[first - 1]!.t !== ',')) return out('unexpected symbol')
    }
    return out('syntax error')
  }
  return out(raw.replace(/ near '.*'$/s, ''))
}

// ---------------------------------------------------------------- blocks, labels, gotos

const BREAK = ' break'

/** A goto (or break) waiting for its label, or a label, in LuaJIT's order of creation (`seq`). */
interface Entry {
  name: string
  /** Locals of the block active at this point (a trailing label counts none). */
  slot: number
  line: number
  seq: number
  done: boolean
}

interface Block {
  vars: string[]
  /** Labels defined in this block (they resolve gotos until the block ends). */
  labels: Map<string, Entry>
  /** Gotos and breaks of this block and of the blocks inside it that ended. */
  gotos: Entry[]
  /** The enclosing block's local count when this block began. */
  parentSlot: number
  loop: boolean
  fnTop: boolean
}

interface Frame {
  kind: string
  /** The line LuaJIT names in "(to close 'x' at line N)". */
  line: number
  at: number
  /** A '(' opening a parameter list; a `function` starting a statement. */
  params: boolean
  block: Block | undefined
  /** Only blocks (statement level) between this frame and the main chunk: statements here sit at a known level. */
  clean: boolean
  /** Counted in the nesting bound (a '{' while a field's value is being parsed). */
  counted: boolean
  /** The expression being read at this frame's level: none, operand next, operator next, name next. */
  expr: 0 | 1 | 2 | 3
  /** The right operand of a binary operator is being read at this level (one more level). */
  rhs: boolean
  /** A block or a header: its expressions are statement-level ones, each a level of its own. */
  owner: boolean
}

interface Tracked {
  /** The first goto/label/break error before the stop, if any. */
  flow: Candidate | undefined
  /** A syntax error luaparse lets through. */
  syntax: Candidate | undefined
  /** First token at which LuaJIT is surely 200 levels deep (from a lower bound on its nesting count). */
  levelAt: number | undefined
  /** The token with the deepest such bound. */
  deepest: number
  /** ')' tokens that close a parameter list, and their '('. */
  paramsClose: Set<number>
  paramsOpen: Set<number>
  /** For each '(' the index of its ')' (or -1). */
  close: Int32Array
  /** Token index of the first token of each block, in order. */
  blockStarts: number[]
  /** LuaJIT's syntax level for a statement starting at token i, when only blocks enclose it (else -1). */
  stmtLevel: Int32Array
  /** The innermost open construct that `what` would close, at the stop. */
  innermost(what: string): Frame | undefined
}

const BINARY = new Set('+ - * / % ^ .. == ~= < <= > >= and or'.split(' '))
/** Tokens after which a statement-level expression starts (its own syntax level). */
const EXPR_START = new Set(['=', 'return', 'in'])
/** Tokens that end an operand (so a following '-' is binary). */
const OPERAND_END = new Set(['name', 'number', 'string', ')', ']', '}', '...', 'nil', 'true', 'false', 'end', 'goto'])
const SIMPLE = new Set(['name', 'number', 'string', '...', 'nil', 'true', 'false', 'goto'])

/**
 * Walks the tokens up to the first error with LuaJIT's block structure: which
 * construct each `end` / `)` / `}` closes (for "(to close ... at line N)"),
 * locals, labels, gotos and breaks (lj_parse.c's gola_* logic), and a lower bound
 * of its syntax nesting level.
 */
function track(toks: Tok[], opts: { stop: number; settleAtStop: boolean; finishMain: boolean; gotoStmt: Set<number> }): Tracked {
  const { stop, settleAtStop, finishMain, gotoStmt } = opts
  const frames: Frame[] = []
  const paramsClose = new Set<number>()
  const paramsOpen = new Set<number>()
  const close = new Int32Array(toks.length).fill(-1)
  const stmtLevel = new Int32Array(toks.length).fill(-1)
  const blockStarts: number[] = []
  let flow: Candidate | undefined
  let syntax: Candidate | undefined
  let open = 0 // levels the frames surely hold
  let unclean = 0 // frames that are not statement-level blocks
  let inExpr = 0 // blocks and headers in the middle of an expression
  let pendingRhs = 0 // frames reading a binary operator's right operand
  let levelAt: number | undefined
  let deepest = 0
  let deepestLevel = 0
  let inLabel = false
  let labels = 0
  let run: { entry: Entry; block: Block }[] = []
  let seq = 0
  const unary = new Int32Array(toks.length + 1) // unary operators in a row before token i
  const chain = new Int32Array(toks.length + 1) // right-associative operators pending before token i
  const lineAt = (i: number): number => toks[i]?.line ?? 1
  const t = (i: number): string => toks[i]?.t ?? 'eof'

  const current = (): Block | undefined => {
    for (let i = frames.length - 1; i >= 0; i--) if (frames[i]!.block) return frames[i]!.block
    return undefined
  }
  const setClean = (f: Frame, clean: boolean): void => {
    if (f.clean !== clean) unclean += clean ? -1 : 1
    f.clean = clean
  }
  const setCounted = (f: Frame, counted: boolean): void => {
    if (f.counted !== counted) open += counted ? 1 : -1
    f.counted = counted
  }
  const setExpr = (f: Frame, expr: Frame['expr']): void => {
    if (f.owner) inExpr += (expr ? 1 : 0) - (f.expr ? 1 : 0)
    f.expr = expr
  }
  const setRhs = (f: Frame, rhs: boolean): void => {
    if (f.rhs !== rhs) pendingRhs += rhs ? 1 : -1
    f.rhs = rhs
  }
  /**
   * Moves the expression reader of the innermost block, header or bracket over
   * token `tt`; true while LuaJIT is inside the expression as it looks at the
   * token (also at the token that ends it).
   */
  const readExpr = (f: Frame, tt: string, prev: string): boolean => {
    switch (f.expr) {
      case 1:
        if (SIMPLE.has(tt)) setExpr(f, 2)
        else if (!(tt === '-' || tt === 'not' || tt === '#' || tt === '(' || tt === '{' || tt === 'function')) {
          setExpr(f, 0)
          setRhs(f, false)
          return !(prev === 'return' && (BLOCK_END.has(tt) || tt === ';'))
        }
        return true
      case 2:
        if (BINARY.has(tt)) return (setExpr(f, 1), setRhs(f, true), true)
        if (tt === '.' || tt === ':') return (setExpr(f, 3), true)
        if (tt === '(' || tt === '[' || tt === '{' || tt === 'string') return true
        setRhs(f, false)
        if (tt === ',' || (tt === ';' && f.kind === '{')) return (setExpr(f, 1), false)
        setExpr(f, 0)
        startExpr(f, tt)
        return true
      case 3:
        setExpr(f, tt === 'name' || tt === 'goto' ? 2 : 0)
        if (!f.expr) setRhs(f, false)
        return true
      default:
        startExpr(f, tt)
        return false
    }
  }
  /** `=`, `return`, `in` start an expression (in a table, `=` starts a field's value). */
  const startExpr = (f: Frame, tt: string): void => {
    if (EXPR_START.has(tt) || (f.kind === '{' && (tt === ',' || tt === ';'))) setExpr(f, 1)
  }
  const push = (kind: string, at: number, line: number, clean: boolean): Frame => {
    const below = frames[frames.length - 1]
    // a '{' holds a level while one of its field values is being parsed (not while a `[key]` is)
    if (below?.kind === '{' && !(kind === '[' && (t(at - 1) === '{' || t(at - 1) === ',' || t(at - 1) === ';'))) setCounted(below, true)
    const owner = kind !== '(' && kind !== '[' && kind !== '{'
    const f: Frame = { kind, line, at, params: false, block: undefined, clean: true, counted: false, expr: 0, rhs: false, owner }
    frames.push(f)
    setClean(f, clean)
    return f
  }
  const pop = (): void => {
    const f = frames.pop()!
    setClean(f, true)
    setCounted(f, false)
    setExpr(f, 0)
    setRhs(f, false)
    const below = frames[frames.length - 1]
    if (below?.kind === '{') setCounted(below, false)
    // a bracket or function closed inside an expression completes an operand
    if (below?.expr === 1 || below?.expr === 2) setExpr(below, 2)
  }
  const begin = (f: Frame, at: number, loop: boolean, fnTop: boolean): void => {
    setExpr(f, 0)
    const parent = fnTop ? undefined : current()
    f.block = { vars: [], labels: new Map(), gotos: [], parentSlot: parent ? parent.vars.length : 0, loop, fnTop }
    if (at >= 0) blockStarts.push(at)
    setCounted(f, true)
    if (f.kind !== 'function' || f.params) setClean(f, true)
  }
  const finish = (f: Frame, at: number): void => {
    const b = f.block
    if (!b) return
    f.block = undefined
    setCounted(f, false)
    setClean(f, false)
    // lj_parse.c gola_fixup: breaks end at their loop, a label takes the gotos after it, the rest move out
    const parent = b.fnTop ? undefined : current()
    for (const g of b.gotos) {
      if (g.done || (b.loop && g.name === BREAK)) continue
      if (b.labels.has(g.name)) g.done = true
      else if (parent) parent.gotos.push({ ...g, slot: b.parentSlot })
      else if (!flow) {
        const message = g.name === BREAK ? 'no loop to break' : `undefined label '${g.name}'`
        flow = { line: g.line, message, near: undefined, pos: at, rank: 3 }
      }
    }
  }
  /** lj_parse.c gola_resolve, once a run of labels is read: the gotos before each label jump to it. */
  const settleLabels = (at: number): void => {
    const trailing = BLOCK_END.has(t(at)) && t(at) !== 'until'
    for (let r = run.length - 1; r >= 0 && !flow; r--) {
      const { entry, block } = run[r]!
      if (trailing) entry.slot = 0
      for (const g of block.gotos) {
        if (g.seq > entry.seq) break
        if (g.done || g.name !== entry.name) continue
        if (g.slot < entry.slot) {
          const message = `<goto ${g.name}> jumps into the scope of local '${block.vars[g.slot] ?? '?'}'`
          flow = { line: g.line, message, near: undefined, pos: at, rank: 1 }
          break
        }
        g.done = true
      }
    }
    run = []
  }

  const main = push('main', -1, 0, true)
  begin(main, -1, false, true)

  for (let i = 0; i <= stop && i < toks.length; i++) {
    const tt = t(i)
    if (run.length && t(i - 1) === '::' && !inLabel && tt !== '::') {
      if (i < stop || settleAtStop) settleLabels(i)
      else run = []
    }
    if (flow || (i === stop && !settleAtStop)) break
    const top = frames[frames.length - 1]!
    if (unclean === 0) stmtLevel[i] = frames.length

    // a lower bound of LuaJIT's nesting level while this token is current
    const prev = t(i - 1)
    if ((prev === '-' || prev === 'not' || prev === '#') && !OPERAND_END.has(t(i - 2))) unary[i] = unary[i - 1]! + 1
    if (prev === '..' || prev === '^') chain[i] = SIMPLE.has(t(i - 2)) && t(i - 3) === prev ? chain[i - 2]! + 1 : 1
    else if (SIMPLE.has(prev) && (t(i - 2) === '..' || t(i - 2) === '^')) chain[i] = chain[i - 1]!
    const owner = top.owner
    const rhsBefore = pendingRhs - (chain[i] && top.rhs ? 1 : 0) // a chain already counts its last operator
    const inside = (owner || !top.params) && readExpr(top, tt, prev)
    // each label right after another is parsed one level deeper
    if (tt === '::' && !inLabel) labels = prev === '::' ? labels + 1 : 0
    else if (prev === '::' && !inLabel) labels = 0
    let d = open + unary[i]! + chain[i]! + inExpr - (owner && top.expr ? 1 : 0) + (owner && inside ? 1 : 0) + labels + rhsBefore
    if ((tt === ')' || tt === ',') && top.kind === '(' && !top.params) d--
    else if (tt === ']' && top.kind === '[') d--
    else if ((tt === 'end' || tt === 'until' || tt === 'else' || tt === 'elseif') && top.block) d--
    else if (top.kind === '{') {
      const fieldStart = prev === '{' || prev === ',' || prev === ';'
      const key = (fieldStart && (tt === '[' || (SIMPLE.has(tt) && t(i + 1) === '='))) || (tt === '=' && SIMPLE.has(prev) && /^[{,;]$/.test(t(i - 2)))
      if (!(tt === '}' || tt === ',' || tt === ';' || key)) d++
    }
    if (d >= MAX_LEVEL && levelAt === undefined) levelAt = i
    if (d > deepestLevel) {
      deepestLevel = d
      deepest = i
    }
    if (i === stop) break // LuaJIT's parser stands at this token, so only the level count applies

    if (tt === ',' && ((prev === '(' && top.kind === '(' && !top.params) || prev === 'return')) {
      // luaparse lets an argument or return list start with ','; LuaJIT wants an expression there
      syntax = { line: lineAt(i), message: 'unexpected symbol', near: toks[i]!.text, pos: i, rank: 2 }
      break
    }
    switch (tt) {
      case 'function': {
        const line = t(i + 1) === '(' ? lineAt(i + 1) : prev === 'local' ? lineAt(i + 2) : lineAt(i)
        const f = push('function', i, line, false)
        f.params = t(i + 1) !== '(' // a statement: its body sits at a known level
        break
      }
      case '(': {
        const params = top.kind === 'function' && !top.block
        const f = push('(', i, lineAt(i), false)
        f.params = params
        if (params) paramsOpen.add(i)
        else {
          setCounted(f, true)
          setExpr(f, 1)
        }
        break
      }
      case '[': {
        const f = push('[', i, lineAt(i), false)
        setCounted(f, true)
        setExpr(f, 1)
        break
      }
      case '{':
        setExpr(push('{', i, lineAt(i), false), 1)
        break
      case ')':
      case ']':
      case '}': {
        const opener = tt === ')' ? '(' : tt === ']' ? '[' : '{'
        if (top.kind !== opener) break
        pop()
        close[top.at] = i
        if (top.params) {
          paramsClose.add(i)
          const fn = frames[frames.length - 1]
          if (fn?.kind === 'function') begin(fn, i + 1, false, true)
        }
        break
      }
      case 'while':
      case 'for':
      case 'if':
        setExpr(push(tt, i, lineAt(i), false), tt === 'for' ? 0 : 1)
        break
      case 'do':
        if ((top.kind === 'while' || top.kind === 'for') && !top.block) begin(top, i + 1, true, false)
        else begin(push('do', i, lineAt(i), true), i + 1, false, false)
        break
      case 'repeat':
        begin(push('repeat', i, lineAt(i), true), i + 1, true, false)
        break
      case 'then':
        if (top.kind === 'if' && !top.block) begin(top, i + 1, false, false)
        break
      case 'elseif':
        if (top.kind === 'if') {
          finish(top, i)
          setExpr(top, 1)
        }
        break
      case 'else':
        if (top.kind === 'if') {
          finish(top, i)
          begin(top, i + 1, false, false)
        }
        break
      case 'until':
        if (top.kind === 'repeat') {
          finish(top, i)
          pop()
          setExpr(frames[frames.length - 1]!, 1)
        }
        break
      case 'end':
        if (top.kind === 'function' || top.kind === 'while' || top.kind === 'for' || top.kind === 'if' || top.kind === 'do') {
          finish(top, i)
          pop()
        }
        break
      case 'local': {
        const b = current()
        if (!b) break
        if (t(i + 1) === 'function') {
          if (t(i + 2) === 'name' || t(i + 2) === 'goto') b.vars.push(toks[i + 2]!.text)
        } else {
          for (let j = i + 1; j < stop && (t(j) === 'name' || t(j) === 'goto'); j += 2) {
            b.vars.push(toks[j]!.text)
            if (t(j + 1) !== ',') break
          }
        }
        break
      }
      case 'break': {
        const b = current()
        if (b) b.gotos.push({ name: BREAK, slot: b.vars.length, line: lineAt(i), seq: seq++, done: false })
        break
      }
      case 'goto': {
        const b = current()
        if (b && gotoStmt.has(i) && i + 1 < stop) b.gotos.push({ name: toks[i + 1]!.text, slot: b.vars.length, line: lineAt(i + 1), seq: seq++, done: false })
        break
      }
      case '::': {
        inLabel = !inLabel
        const b = current()
        if (!inLabel || !b || i + 1 >= stop || (t(i + 1) !== 'name' && t(i + 1) !== 'goto')) break
        const name = toks[i + 1]!.text
        if (b.labels.has(name)) {
          flow = { line: lineAt(i + 2), message: `duplicate label '${name}'`, near: undefined, pos: i + 2, rank: 1 }
          break
        }
        const entry: Entry = { name, slot: b.vars.length, line: lineAt(i + 1), seq: seq++, done: false }
        b.labels.set(name, entry)
        run.push({ entry, block: b })
        break
      }
    }
  }
  // The whole chunk parsed: LuaJIT checks the main function's gotos and breaks last.
  if (!flow && !syntax && finishMain) finish(main, stop)

  return {
    flow,
    syntax,
    levelAt,
    deepest,
    paramsClose,
    paramsOpen,
    close,
    blockStarts,
    stmtLevel,
    innermost(what) {
      const kinds = what === ')' ? ['('] : what === '}' ? ['{'] : what === 'until' ? ['repeat'] : ['function', 'while', 'for', 'if', 'do']
      for (let i = frames.length - 1; i >= 0; i--) if (kinds.includes(frames[i]!.kind)) return frames[i]
      return undefined
    },
  }
}

// ---------------------------------------------------------------- nesting levels

/**
 * Where LuaJIT's parser would pass 200 syntax levels in statements luaparse
 * completed (lj_parse.c: one level per block and per expression it enters:
 * parenthesis, argument, index, table field, unary operand, right operand).
 * `level` is the level of the block holding `body`.
 */
function levels(body: Luaparse.Statement[], level: number, toks: Tok[], s: Sanitized, tr: Tracked, seen: Seen, gotoStmt: Set<number>): number | undefined {
  let found: number | undefined
  const first = (n: Node): number => s.byStart.get(n.range![0]) ?? 0
  // the blocks inside a statement are met in the order the tracker saw them begin
  let nextBlock = 0
  const blocksAfter = (at: number): number => {
    let lo = 0
    let hi = tr.blockStarts.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (tr.blockStarts[mid]! > at) hi = mid
      else lo = mid + 1
    }
    return lo
  }
  const last = (n: Node): number => s.byEnd.get(n.range![1]) ?? first(n)
  // ')' tokens that close an argument list, not parentheses around an expression
  const argLists = new Set<number>()
  for (const end of seen.argListEnds) {
    const at = s.byEnd.get(end)
    if (at !== undefined) argLists.add(at)
  }
  /** The '(' tokens that only parenthesise `n`, outermost first. */
  const parens = (n: Node): number[] => {
    const out: number[] = []
    let a = first(n)
    let b = last(n)
    while (a > 0 && toks[a - 1]!.t === '(' && tr.close[a - 1] === b + 1 && !tr.paramsOpen.has(a - 1) && !argLists.has(b + 1)) {
      out.unshift(a - 1)
      a--
      b++
    }
    return out
  }
  const enterLevel = (level: number, at: number): boolean => {
    if (found === undefined && level >= MAX_LEVEL) found = at
    return found === undefined
  }
  const block = (body: Luaparse.Statement[], level: number): void => {
    const at = tr.blockStarts[nextBlock++] ?? toks.length // past a goto/label error, where the tracker stopped
    if (!enterLevel(level, at)) return
    statements(body, level)
  }
  const statements = (body: Luaparse.Statement[], level: number): void => {
    let labels = 0
    for (const st of body) {
      if (found !== undefined) return
      if (st.type === 'LabelStatement') {
        const at = first(st as Node)
        labels = at > 0 && toks[at - 1]!.t === '::' && labels >= 0 ? labels + 1 : 0
        if (labels > 0 && !enterLevel(level + labels, at)) return
        continue
      }
      labels = -1
      nextBlock = blocksAfter(first(st as Node))
      statement(st, level)
    }
  }
  const statement = (st: Luaparse.Statement, level: number): void => {
    switch (st.type) {
      case 'LocalStatement':
        for (const e of st.init) enter(e, level + 1)
        return
      case 'AssignmentStatement':
        for (const v of st.variables) visit(v, level)
        for (const e of st.init) enter(e, level + 1)
        return
      case 'CallStatement':
        return visit(st.expression, level)
      case 'ReturnStatement':
        for (const e of st.arguments) enter(e, level + 1)
        return
      case 'IfStatement':
        for (const c of st.clauses) {
          if (c.type !== 'ElseClause') enter(c.condition, level + 1)
          block(c.body, level + 1)
        }
        return
      case 'WhileStatement':
        enter(st.condition, level + 1)
        return block(st.body, level + 1)
      case 'DoStatement':
        if (gotoStmt.has(first(st as Node))) return // a goto statement, as luaparse saw it
        return block(st.body, level + 1)
      case 'RepeatStatement':
        block(st.body, level + 1)
        return enter(st.condition, level + 1)
      case 'ForNumericStatement':
        enter(st.start, level + 1)
        enter(st.end, level + 1)
        if (st.step) enter(st.step, level + 1)
        return block(st.body, level + 1)
      case 'ForGenericStatement':
        for (const e of st.iterators) enter(e, level + 1)
        return block(st.body, level + 1)
      case 'FunctionDeclaration':
        return block(st.body, level + 1)
      default:
        return
    }
  }
  /** An expression LuaJIT parses with a fresh expr_binop at `level`. */
  const enter = (e: Luaparse.Expression, level: number): void => {
    if (found !== undefined) return
    const p = parens(e as Node)
    if (!enterLevel(level, p[0] ?? first(e as Node))) return
    visit(e, level)
  }
  /** An expression that is part of the one LuaJIT is parsing at `level`. */
  const visit = (e: Luaparse.Expression, level: number): void => {
    if (found !== undefined) return
    const p = parens(e as Node)
    for (let i = 0; i < p.length; i++) if (!enterLevel(level + i + 1, p[i]! + 1)) return
    inner(e, level + p.length)
  }
  const isBinary = (e: Luaparse.Expression): e is Luaparse.BinaryExpression | Luaparse.LogicalExpression =>
    e.type === 'BinaryExpression' || e.type === 'LogicalExpression'
  const isSuffixed = (
    e: Luaparse.Expression,
  ): e is Luaparse.MemberExpression | Luaparse.IndexExpression | Luaparse.CallExpression | Luaparse.StringCallExpression | Luaparse.TableCallExpression =>
    e.type === 'MemberExpression' ||
    e.type === 'IndexExpression' ||
    e.type === 'CallExpression' ||
    e.type === 'StringCallExpression' ||
    e.type === 'TableCallExpression'
  const inner = (e: Luaparse.Expression, level: number): void => {
    if (isBinary(e)) {
      // left operands share the level (LuaJIT loops over them); walk the spine without recursion
      const spine: (Luaparse.BinaryExpression | Luaparse.LogicalExpression)[] = []
      let cur: Luaparse.Expression = e
      while (isBinary(cur) && (cur === e || parens(cur as Node).length === 0)) {
        spine.push(cur)
        cur = cur.left
      }
      visit(cur, level)
      for (let i = spine.length - 1; i >= 0 && found === undefined; i--) enter(spine[i]!.right, level + 1)
      return
    }
    if (isSuffixed(e)) {
      const chain: (typeof e)[] = []
      let cur: Luaparse.Expression = e
      while (isSuffixed(cur) && (cur === e || parens(cur as Node).length === 0)) {
        chain.push(cur)
        cur = cur.base
      }
      visit(cur, level)
      for (let i = chain.length - 1; i >= 0 && found === undefined; i--) {
        const c = chain[i]!
        if (c.type === 'IndexExpression') enter(c.index, level + 1)
        else if (c.type === 'CallExpression') for (const a of c.arguments) enter(a, level + 1)
        else if (c.type === 'TableCallExpression') visit(c.arguments, level)
      }
      return
    }
    switch (e.type) {
      case 'UnaryExpression':
        return enter(e.argument, level + 1)
      case 'FunctionDeclaration':
        return block(e.body, level + 1)
      case 'TableConstructorExpression':
        for (const f of e.fields) {
          if (found !== undefined) return
          if (f.type === 'TableKey') enter(f.key, level + 1)
          enter(f.value, level + 1)
        }
        return
      default:
        return
    }
  }
  statements(body, level)
  return found
}
