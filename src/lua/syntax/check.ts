/**
 * One check from end to end, and the choice of the error LuaJIT reports. Each
 * stage finds its own errors: the lexer, the token walk (gotos, labels, breaks,
 * what luaparse lets through), luaparse's grammar, the nesting limit. Each
 * error is a candidate placed at the token where LuaJIT's parser would raise
 * it, and the first one in LuaJIT's order wins, whichever stage found it.
 */
import type * as Luaparse from 'luaparse'
import { isLuaparseError, parse, translate, type Node } from './grammar.js'
import { lex } from './lexer.js'
import { levels } from './levels.js'
import { gotoStatements, sanitize } from './sanitize.js'
import { track } from './scopes.js'
import { TOO_DEEP, type Candidate, type Found } from './tokens.js'

/** The error LuaJIT's loadstring reports for `src`, undefined if none. */
export function check(src: Uint8Array): Found | undefined {
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
