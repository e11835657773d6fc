/**
 * The token list as luaparse gets to judge it. luaparse decides the grammar but
 * must not see what it would judge otherwise than LuaJIT: every name, number and
 * string becomes a neutral one, a stray byte becomes a keyword no rule takes
 * there, and goto statements and breaks become statements luaparse accepts
 * (their scoping is the token walk's job, scopes.ts). Each token keeps its
 * LuaJIT line, and the offsets kept here map luaparse's errors and nodes back to tokens.
 * Which `goto` starts a statement is decided here too, for every module.
 */
import type { Tok } from './tokens.js'

/** Tokens after which `goto` is a name in an expression, not the start of a goto statement. */
const EXPR_BEFORE = new Set('= , ( [ { + - * / % ^ # .. == ~= < <= > >= and or not return in if elseif while until local function . : for'.split(' '))

/**
 * Which `goto` tokens start a goto statement: LuaJIT takes `goto <name>` as one
 * at the start of a statement. A statement starts after a complete expression
 * too (`x = a goto b`), but not inside brackets or a while/for header.
 */
export function gotoStatements(toks: Tok[], k: number): Set<number> {
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

export interface Sanitized {
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
export function sanitize(toks: Tok[], k: number, gotoStmt: Set<number>): Sanitized {
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
