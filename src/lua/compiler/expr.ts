/**
 * Lua expressions → JS expressions. Three forms:
 * - `ex`: one Lua value;
 * - `multi`: an array of values (a call or `...` where all its values count);
 * - `cond` (operators.ts): a JS boolean (Lua truthiness), for if/while.
 *
 * This file has values, indexing, calls, function expressions and table
 * constructors; operators.ts has the operators. Every Lua call is
 * `(typeof f === 'function' ? f : $fnOf(f, what))(args)`, one JS frame per
 * Lua frame (a tail call of the function it is in is a jump: tailcall.ts). In coroutine chunks, calls are `yield* $genOf(f)(args)` so a
 * yield can suspend the stack.
 */
import type * as L from 'luaparse'
import { FnState, lineOfNode, rangeOf, type Gen } from './gen.js'
import { calleeName, isCall, num, numValue, simple, whatOf } from './operands.js'
import { binary, logical, unary } from './operators.js'
import { decodeString, parensBetween } from './source.js'
import { block } from './stmt.js'
import { budgetCheck, weigh } from './weight.js'
import { hasTailCall } from './tailcall.js'

type E = L.Expression

/** Whether the last element `n` of an expression list counts all its values (a call or `...` not in parentheses). */
export function openMulti(g: Gen, n: E, gapStart: number, ownParens: number): boolean {
  if (!isCall(n) && n.type !== 'VarargLiteral') return false
  return parensBetween(g.src, gapStart, rangeOf(n)[0]) === ownParens
}

/** One Lua value. */
export function ex(g: Gen, n: E): string {
  switch (n.type) {
    case 'NilLiteral':
      return 'undefined'
    case 'BooleanLiteral':
      return n.value ? 'true' : 'false'
    case 'NumericLiteral':
      return num(numValue(n))
    case 'StringLiteral':
      return g.str(decodeString(n.raw))
    case 'VarargLiteral':
      return '$va[0]'
    case 'Identifier': {
      const v = g.lookup(n.name)
      return v !== undefined ? v.js : `$gget(E, ${g.str(n.name)})`
    }
    case 'FunctionDeclaration':
      return fnExpr(g, n, undefined, false)
    case 'TableConstructorExpression':
      return table(g, n)
    case 'MemberExpression': {
      const base = ex(g, n.base)
      return `${g.line(g.lineAtEnd(n))}$idxS(${base}, ${g.str(n.identifier.name)}, ${whatOf(g, n.base)})`
    }
    case 'IndexExpression': {
      const base = ex(g, n.base)
      const line = g.line(g.lineAtEnd(n))
      if (n.index.type === 'StringLiteral') return `${line}$idxS(${base}, ${g.str(decodeString(n.index.raw))}, ${whatOf(g, n.base)})`
      return `${line}$idx(${base}, ${ex(g, n.index)}, ${whatOf(g, n.base)})`
    }
    case 'CallExpression':
    case 'StringCallExpression':
    case 'TableCallExpression':
      return `${call(g, n, false)}[0]`
    case 'BinaryExpression':
      return binary(g, n)
    case 'LogicalExpression':
      return logical(g, n)
    case 'UnaryExpression':
      return unary(g, n)
  }
}

/** All values of a call or `...`, as an array. */
export function multi(g: Gen, n: E): string {
  if (n.type === 'VarargLiteral') return '$va'
  if (isCall(n)) return call(g, n, false)
  return `[${ex(g, n)}]`
}

/**
 * An expression list as JS call arguments / array items: the last element
 * spread when it counts all its values. `gapStart` is where the text before
 * the first element starts, `ownParens` the `(` of the construct itself there.
 */
export function list(g: Gen, items: E[], gapStart: number, ownParens: number): string {
  const parts: string[] = []
  items.forEach((a, i) => {
    const gs = i === 0 ? gapStart : rangeOf(items[i - 1])[1]
    if (i === items.length - 1 && openMulti(g, a, gs, i === 0 ? ownParens : 0)) parts.push(`...${multi(g, a)}`)
    else parts.push(ex(g, a))
  })
  return parts.join(', ')
}

export type CallNode = L.CallExpression | L.StringCallExpression | L.TableCallExpression

/** A call taken apart: what `call` and a tail call (tailcall.ts) assemble. */
export interface CallParts {
  args: E[]
  /** Where the text before the first argument starts, and the construct's own `(` there (list()'s gapStart, ownParens). */
  gap: number
  own: number
  /** Markers for the `(` of the call: its line and its call site. */
  line: string
  site: string
  /** A second site marker (coroutine chunks mark both places V8 may report). */
  site2: () => string
  /** JS for the callee's value (for a method call, it also sets `self` when that is a temporary). */
  fnValue: string
  /** A method call's object (a simple operand or a temporary), passed first. */
  self: string | undefined
  selfTemp: boolean
  /** How LuaJIT names the callee if it cannot be called. */
  what: string
  /** The temporaries mark before the callee's. */
  mark: number
}

export function callParts(g: Gen, n: CallNode, tail: boolean): CallParts {
  const base = n.base
  const args: E[] = n.type === 'CallExpression' ? n.arguments : n.type === 'StringCallExpression' ? [n.argument] : [n.arguments]
  const gap = rangeOf(base)[1]
  const line = g.line(g.lineAfter(gap))
  const method = base.type === 'MemberExpression' && base.indexer === ':'
  const site = g.site({ name: calleeName(base), method, tail })
  const own = n.type === 'CallExpression' ? 1 : 0
  const mark = g.mark()
  let fnValue: string
  let self: string | undefined
  let selfTemp = false
  let what: string
  if (method) {
    const obj = base.base
    let objCode: string
    if (simple(g, obj)) objCode = self = ex(g, obj)
    else {
      self = g.tmp()
      selfTemp = true
      objCode = `${self} = ${ex(g, obj)}`
    }
    fnValue = `$idxS(${objCode}, ${g.str(base.identifier.name)}, ${whatOf(g, obj)})`
    what = g.str(`method '${base.identifier.name}'`)
  } else {
    fnValue = ex(g, base)
    what = whatOf(g, base)
  }
  const site2 = () => g.site({ name: calleeName(base), method, tail })
  return { args, gap, own, line, site, site2, fnValue, self, selfTemp, what, mark }
}

/** A call: JS for its array of results. `tail`: a `return f(...)`, a tail call in LuaJIT. */
export function call(g: Gen, n: CallNode, tail: boolean): string {
  const { args, gap, own, line, site, site2, fnValue, self, selfTemp, what, mark: m } = callParts(g, n, tail)
  const base = n.base
  const method = self !== undefined
  if (g.gen) {
    const argCode = list(g, args, gap, own)
    g.release(m)
    // The site is marked at both places V8 may report for this frame.
    return `(yield* ${line}${site}$genOf(${fnValue}, ${what})${site2()}(${self !== undefined ? self + (args.length ? ', ' : '') : ''}${argCode}))`
  }
  let callee: string
  if (!method && base.type === 'Identifier' && g.lookup(base.name) !== undefined)
    callee = `(typeof ${fnValue} === 'function' ? ${fnValue} : $fnOf(${fnValue}, ${what}))`
  else {
    const f = g.tmp()
    callee = `(typeof (${f} = ${fnValue}) === 'function' ? ${f} : $fnOf(${f}, ${what}))`
    // The callee is read before the arguments run, so they may reuse its temporary.
    g.release(m + (selfTemp ? 1 : 0))
  }
  const argCode = list(g, args, gap, own)
  g.release(m)
  return `${callee}${line}${site}(${self !== undefined ? self + (args.length ? ', ' : '') : ''}${argCode})`
}

/** A function expression (or declaration body). */
export function fnExpr(g: Gen, n: L.FunctionDeclaration, name: string | undefined, withSelf: boolean): string {
  const line = lineOfNode(n)
  const vararg = n.parameters.some((p) => p.type === 'VarargLiteral')
  const outer = g.fn
  g.fn = new FnState(outer, vararg)
  try {
    return g.inScope(() => {
      const params: string[] = []
      if (withSelf) params.push(g.declare('self'))
      for (const p of n.parameters) if (p.type === 'Identifier') params.push(g.declare(p.name))
      const fname = `$L${line}${name !== undefined && /^[A-Za-z_]\w*$/.test(name) ? '$' + name : ''}`
      const star = g.gen ? 'function*' : 'function'
      let code: string
      if (hasTailCall(g, n.body)) {
        // Tail calls of itself become jumps to a loop around the body (tailcall.ts).
        const id = g.next()
        const incoming = params.map((_, i) => `$p${id}_${i}`)
        g.fn.tail = { label: `$tc${id}`, self: fname, params: incoming, vararg }
        const body = block(g, n.body)
        const rebind = params.length > 0 ? `let ${params.map((p, i) => `${p} = ${incoming[i]}`).join(', ')}; ` : ''
        const js = [...incoming, ...(vararg ? ['...$va'] : [])]
        code = `${star} ${fname}(${js.join(', ')}) { $tc${id}: for (;;) { ${budgetCheck(weigh(n.body))} ${rebind}${tempDecl(g.fn)}${body} return NONE; } }`
      } else {
        if (vararg) params.push('...$va')
        const body = block(g, n.body)
        code = `${star} ${fname}(${params.join(', ')}) { ${budgetCheck(weigh(n.body))} ${tempDecl(g.fn)}${body} return NONE; }`
      }
      const fnCode = g.gen ? `$mkg(${code})` : code
      // A closure lists its upvalues, so the state a chunk keeps between runs can be measured.
      const ups = [...g.fn.captures]
      return ups.length === 0 ? fnCode : `$up(${fnCode}, () => [${ups.join(', ')}])`
    })
  } finally {
    g.fn = outer
  }
}

export function tempDecl(f: FnState): string {
  if (f.max === 0) return ''
  const names: string[] = []
  for (let i = 1; i <= f.max; i++) names.push(`$t${i}`)
  return `let ${names.join(', ')};`
}

/** The keys of a record constructor (only distinct constant string keys), else undefined. */
function recordKeys(fields: L.TableConstructorExpression['fields']): string[] | undefined {
  const keys: string[] = []
  for (const f of fields) {
    if (f.type === 'TableKeyString') keys.push(f.key.name)
    else if (f.type === 'TableKey' && f.key.type === 'StringLiteral') keys.push(decodeString(f.key.raw))
    else return undefined
  }
  return new Set(keys).size === keys.length ? keys : undefined
}

/** A table constructor. */
function table(g: Gen, n: L.TableConstructorExpression): string {
  const fields = n.fields
  if (fields.length === 0) return '$tbl(undefined, undefined)'
  const record = recordKeys(fields)
  if (record !== undefined) {
    const values = fields.map((f) => ex(g, f.value))
    if (record.length <= 3) return `$tblS${record.length}(${record.map((k, i) => `${g.str(k)}, ${values[i]}`).join(', ')})`
    return `$tblS(${g.constant(JSON.stringify(record))}, [${values.join(', ')}])`
  }
  const arr: string[] = []
  const kv: string[] = []
  const before: number[] = []
  /** Items in source order and which are positional ('p') or keyed ('k'), for constructors that interleave them. */
  const seq: string[] = []
  let layout = ''
  let needBefore = false
  fields.forEach((f, i) => {
    if (f.type === 'TableValue') {
      const last = i === fields.length - 1
      const v = f.value
      const code =
        last && (isCall(v) || v.type === 'VarargLiteral') && parensBetween(g.src, rangeOf(f)[0], rangeOf(v)[0]) === 0 ? `...${multi(g, v)}` : ex(g, v)
      arr.push(code)
      seq.push(code)
      if (!code.startsWith('...')) layout += 'p'
    } else {
      const k = f.type === 'TableKeyString' ? g.str(f.key.name) : ex(g, f.key)
      if (f.type === 'TableKey' && f.key.type !== 'StringLiteral') needBefore = true
      const v = ex(g, f.value)
      kv.push(k, v)
      seq.push(k, v)
      layout += 'k'
      before.push(arr.length)
    }
  })
  // A keyed item before a positional one: evaluate in source order, as Lua does.
  const spread = arr.length > 0 && arr[arr.length - 1]!.startsWith('...')
  if (/k.*p/.test(layout) || (spread && layout.includes('k'))) {
    return `$tblSeq([${seq.join(', ')}], ${g.str(layout)})`
  }
  const arrCode = arr.length ? `[${arr.join(', ')}]` : 'undefined'
  if (kv.length === 0) return `$tbl(${arrCode}, undefined)`
  const beforeCode = needBefore && arr.length > 0 ? `, ${g.constant(JSON.stringify(before))}` : ''
  return `$tbl(${arrCode}, [${kv.join(', ')}]${beforeCode})`
}
