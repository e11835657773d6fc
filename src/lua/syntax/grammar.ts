/**
 * The grammar, judged by luaparse (LuaJIT mode) on the sanitised tokens
 * (sanitize.ts), and its verdict in LuaJIT's words. luaparse is loaded by the
 * first parse, not by an import, so a process that never checks Lua never loads it.
 * Besides the error, the parse keeps what translating it and counting levels
 * need: where statements, returns and calls end, and the completed statements.
 */
import { createRequire } from 'node:module'
import type * as Luaparse from 'luaparse'
import type { Sanitized } from './sanitize.js'
import type { Tracked } from './scopes.js'
import { BLOCK_END, type Tok } from './tokens.js'

type LuaparseModule = typeof Luaparse
let luaparse: LuaparseModule | undefined
/** luaparse, loaded by the first call (unavailable.ts reads the AST with it too). */
export const loadLuaparse = (): LuaparseModule => (luaparse ??= createRequire(import.meta.url)('luaparse') as LuaparseModule)

export type Node = Luaparse.Node & { range?: [number, number] }

export interface Seen {
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

export function parse(code: string): Seen {
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
export function translate(error: unknown, at: number, toks: Tok[], tr: Tracked, seen: Seen, s: Sanitized): { message: string; near: string | undefined } {
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

/** luaparse's own syntax errors carry the offset they were raised at. */
export function isLuaparseError(e: unknown): e is SyntaxError & { index: number } {
  return e instanceof SyntaxError && typeof (e as { index?: unknown }).index === 'number'
}
