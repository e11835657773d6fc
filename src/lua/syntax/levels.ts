/**
 * LuaJIT's 200-level nesting limit over statements luaparse parsed: a walk of
 * luaparse's tree that counts levels as lj_parse.c enters them, to the token
 * where the count reaches the limit. The token walk (scopes.ts) only bounds the
 * level from below; where luaparse completed a statement its tree gives the
 * exact count, and where luaparse overflowed its stack only that bound is left.
 */
import type * as Luaparse from 'luaparse'
import type { Node, Seen } from './grammar.js'
import type { Sanitized } from './sanitize.js'
import type { Tracked } from './scopes.js'
import { MAX_LEVEL, type Tok } from './tokens.js'

/**
 * Where LuaJIT's parser would pass 200 syntax levels in statements luaparse
 * completed (lj_parse.c: one level per block and per expression it enters:
 * parenthesis, argument, index, table field, unary operand, right operand).
 * `level` is the level of the block holding `body`.
 */
export function levels(
  body: Luaparse.Statement[],
  level: number,
  toks: Tok[],
  s: Sanitized,
  tr: Tracked,
  seen: Seen,
  gotoStmt: Set<number>,
): number | undefined {
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
