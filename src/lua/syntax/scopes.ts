/**
 * The token walk: LuaJIT's block structure over the tokens, up to the first
 * error. It knows which construct each `end` / `)` / `}` closes (for "(to close
 * ... at line N)"), where blocks begin and end, the locals, labels, gotos and
 * breaks of each block (resolved in gotos.ts) and, token by token, a lower bound
 * of LuaJIT's nesting level (level-bound.ts). It also catches the few syntax
 * errors luaparse lets through.
 */
import { BREAK, Gotos, newBlock, type Block } from './gotos.js'
import { LevelBound, type Open } from './level-bound.js'
import { BLOCK_END, type Candidate, type Tok } from './tokens.js'

/** An open construct: a block, a header, a bracket, a function. */
export interface Frame extends Open {
  /** The line LuaJIT names in "(to close 'x' at line N)". */
  line: number
  block: Block | undefined
}

export interface Tracked {
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

/**
 * Walks the tokens up to `stop`, the token where the first error stopped the
 * lexer or luaparse. `settleAtStop`: LuaJIT read the token there (no lexical
 * error), so the labels before it are settled and its level counted.
 * `finishMain`: the whole chunk parsed, so the main function ends.
 */
export function track(toks: Tok[], opts: { stop: number; settleAtStop: boolean; finishMain: boolean; gotoStmt: Set<number> }): Tracked {
  const { stop, settleAtStop, finishMain, gotoStmt } = opts
  const frames: Frame[] = []
  const paramsClose = new Set<number>()
  const paramsOpen = new Set<number>()
  const close = new Int32Array(toks.length).fill(-1)
  const blockStarts: number[] = []
  const gotos = new Gotos()
  const bound = new LevelBound(toks)
  let syntax: Candidate | undefined
  let inLabel = false
  const lineAt = (i: number): number => toks[i]?.line ?? 1
  const t = (i: number): string => toks[i]?.t ?? 'eof'

  const current = (): Block | undefined => {
    for (let i = frames.length - 1; i >= 0; i--) if (frames[i]!.block) return frames[i]!.block
    return undefined
  }
  const push = (kind: string, at: number, line: number, clean: boolean): Frame => {
    const below = frames[frames.length - 1]
    // brackets hold an expression; any other construct owns the expressions of its header or block
    const owner = kind !== '(' && kind !== '[' && kind !== '{'
    const f: Frame = { kind, line, at, params: false, block: undefined, clean: true, counted: false, expr: 0, rhs: false, owner }
    frames.push(f)
    bound.pushed(f, below, clean)
    return f
  }
  const pop = (): void => {
    const f = frames.pop()!
    bound.popped(f, frames[frames.length - 1])
  }
  const begin = (f: Frame, at: number, loop: boolean, fnTop: boolean): void => {
    f.block = newBlock(fnTop ? undefined : current(), loop, fnTop)
    if (at >= 0) blockStarts.push(at)
    bound.begun(f)
  }
  const finish = (f: Frame, at: number): void => {
    const b = f.block
    if (!b) return
    f.block = undefined
    bound.ended(f)
    gotos.fixup(b, b.fnTop ? undefined : current(), at)
  }

  const main = push('main', -1, 0, true)
  begin(main, -1, false, true)

  for (let i = 0; i <= stop && i < toks.length; i++) {
    const tt = t(i)
    if (gotos.pending && t(i - 1) === '::' && !inLabel && tt !== '::') {
      if (i < stop || settleAtStop) gotos.settle(i, BLOCK_END.has(tt) && tt !== 'until')
      else gotos.drop()
    }
    if (gotos.flow || (i === stop && !settleAtStop)) break
    const top = frames[frames.length - 1]!
    bound.step(i, top, frames.length, inLabel)
    if (i === stop) break // LuaJIT's parser stands at this token, so only the level count applies

    const prev = t(i - 1)
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
          bound.setCounted(f, true)
          bound.setExpr(f, 1)
        }
        break
      }
      case '[': {
        const f = push('[', i, lineAt(i), false)
        bound.setCounted(f, true)
        bound.setExpr(f, 1)
        break
      }
      case '{':
        bound.setExpr(push('{', i, lineAt(i), false), 1)
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
        bound.setExpr(push(tt, i, lineAt(i), false), tt === 'for' ? 0 : 1)
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
          bound.setExpr(top, 1)
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
          bound.setExpr(frames[frames.length - 1]!, 1)
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
        if (b) gotos.jump(b, BREAK, lineAt(i))
        break
      }
      case 'goto': {
        const b = current()
        if (b && gotoStmt.has(i) && i + 1 < stop) gotos.jump(b, toks[i + 1]!.text, lineAt(i + 1))
        break
      }
      case '::': {
        inLabel = !inLabel
        const b = current()
        if (!inLabel || !b || i + 1 >= stop || (t(i + 1) !== 'name' && t(i + 1) !== 'goto')) break
        gotos.label(b, toks[i + 1]!.text, lineAt(i + 1), i + 2, lineAt(i + 2))
        break
      }
    }
  }
  // The whole chunk parsed: LuaJIT checks the main function's gotos and breaks last.
  if (!gotos.flow && !syntax && finishMain) finish(main, stop)

  return {
    flow: gotos.flow,
    syntax,
    levelAt: bound.levelAt,
    deepest: bound.deepest,
    paramsClose,
    paramsOpen,
    close,
    blockStarts,
    stmtLevel: bound.stmtLevel,
    innermost(what) {
      const kinds = what === ')' ? ['('] : what === '}' ? ['{'] : what === 'until' ? ['repeat'] : ['function', 'while', 'for', 'if', 'do']
      for (let i = frames.length - 1; i >= 0; i--) if (kinds.includes(frames[i]!.kind)) return frames[i]
      return undefined
    },
  }
}
