/**
 * Lua operators → JS. Numbers, locals and literals get inline fast paths
 * (`typeof a === 'number' ? a + b : slow`); other operands go through the
 * small helpers of runtime.ts, which V8 inlines, and every slow path ends in
 * core/ops.ts (metamethods, coercions, LuaJIT's messages). Left-associative
 * chains are generated in loops, long ones as flat sequences: LuaJIT takes
 * thousands of terms, recursion and nested JS would not.
 */
import type * as L from 'luaparse'
import { arithRaw, type ArithOp } from '../core/ops.js'
import { ex } from './expr.js'
import type { Gen } from './gen.js'
import { COMPARE, constNumber, isLiteral, num, simple, whatOf } from './operands.js'

type E = L.Expression

const ARITH: Record<string, string> = { '+': '$add', '-': '$sub', '*': '$mul', '/': '$div', '%': '$mod', '^': '$pow' }

function jsArith(op: string, a: string, b: string): string {
  switch (op) {
    case '%':
      return `(${a} - Math.floor(${a} / ${b}) * ${b})`
    case '^':
      return `$powN(${a}, ${b})`
    default:
      return `(${a} ${op} ${b})`
  }
}

const isArithNode = (n: E): n is L.BinaryExpression => n.type === 'BinaryExpression' && ARITH[n.operator] !== undefined

export function binary(g: Gen, n: L.BinaryExpression): string {
  const op = n.operator as string
  if (op === '..') return concat(g, n)
  if (COMPARE.has(op)) return compare(g, n)
  // `a + b + c ...` nests to the left: walk that spine in a loop, so a long chain
  // (LuaJIT takes thousands of terms) does not recurse once per term.
  const spine: L.BinaryExpression[] = []
  let cur: E = n
  while (isArithNode(cur)) {
    spine.push(cur)
    cur = cur.left
  }
  if (spine.length > LONG_CHAIN) return arithSequence(g, cur, spine)
  let left: Operand = { node: cur, code: ex(g, cur), k: constNumber(cur), simple: simple(g, cur) && cur.type !== 'StringLiteral' }
  for (let i = spine.length - 1; i >= 0; i--) left = arith(g, spine[i]!, left)
  return left.code
}

/**
 * Chains longer than this are generated as a flat comma sequence through one
 * temporary: nested calls thousands deep would exhaust V8's own parser.
 */
const LONG_CHAIN = 40

function arithSequence(g: Gen, first: E, spine: L.BinaryExpression[]): string {
  const m = g.mark()
  const t = g.tmp()
  const steps = [`${t} = ${ex(g, first)}`]
  let leftNode = first
  for (let i = spine.length - 1; i >= 0; i--) {
    const n = spine[i]!
    steps.push(`${t} = ${g.line(g.lineAtEnd(n))}${ARITH[n.operator]}(${t}, ${ex(g, n.right)}, ${whatOf(g, leftNode)}, ${whatOf(g, n.right)})`)
    leftNode = n
  }
  g.release(m)
  return `(${steps.join(', ')}, ${t})`
}

/** An operand already generated: its code, its value when constant, whether it may be read twice. */
interface Operand {
  node: E
  code: string
  k: number | undefined
  simple: boolean
}

/** `left op n.right` for the arithmetic node `n`, its left operand generated already. */
function arith(g: Gen, n: L.BinaryExpression, left: Operand): Operand {
  const op = n.operator as string
  const r = n.right
  const kb = constNumber(r)
  const ka = left.k
  if (ka !== undefined && kb !== undefined) {
    const v = arithRaw(op as ArithOp, ka, kb)
    return { node: n, code: num(v), k: v, simple: true }
  }
  // LuaJIT emits the operation after its right operand: that is the line errors show.
  const line = g.line(g.lineAtEnd(n))
  const wa = whatOf(g, left.node)
  const wb = whatOf(g, r)
  const a = left.code
  let code: string
  if (left.simple && simple(g, r) && r.type !== 'StringLiteral') {
    const b = ex(g, r)
    const checks = [ka === undefined ? `typeof ${a} === 'number'` : '', kb === undefined ? `typeof ${b} === 'number'` : ''].filter((c) => c !== '')
    code = `(${checks.join(' && ')} ? ${jsArith(op, a, b)} : ${line}$arith(${g.str(op)}, ${a}, ${b}, ${wa}, ${wb}))`
  } else code = `${line}${ARITH[op]}(${a}, ${ex(g, r)}, ${wa}, ${wb})`
  return { node: n, code, k: undefined, simple: false }
}

function compare(g: Gen, n: L.BinaryExpression): string {
  const op = n.operator as string
  const l = n.left
  const r = n.right
  const line = g.line(g.lineAtEnd(n))
  if (op === '==' || op === '~=') {
    const a = ex(g, l)
    const b = ex(g, r)
    // A literal on either side: no metamethod can apply.
    if (isLiteral(l) || isLiteral(r)) return `(${a} ${op === '==' ? '===' : '!=='} ${b})`
    return `${op === '==' ? '' : '!'}${line}$eq(${a}, ${b})`
  }
  const a = ex(g, l)
  const b = ex(g, r)
  const helper = op === '<' ? '$lt' : op === '<=' ? '$le' : op === '>' ? '$gt' : '$ge'
  if (simple(g, l) && simple(g, r)) {
    const checks = [constNumber(l) === undefined ? `typeof ${a} === 'number'` : '', constNumber(r) === undefined ? `typeof ${b} === 'number'` : ''].filter(
      (c) => c !== '',
    )
    if (checks.length > 0) return `(${checks.join(' && ')} ? ${a} ${op} ${b} : ${line}${helper}(${a}, ${b}))`
  }
  return `${line}${helper}(${a}, ${b})`
}

/** `a .. b .. c`: one concatenation over the whole right-nested chain, as Lua's OP_CONCAT. */
function concat(g: Gen, n: L.BinaryExpression): string {
  const items: E[] = [n.left]
  let r: E = n.right
  while (r.type === 'BinaryExpression' && r.operator === '..') {
    items.push(r.left)
    r = r.right
  }
  items.push(r)
  const line = g.line(g.lineAtEnd(n))
  const codes = items.map((it) => ex(g, it))
  const whats = items.map((it) => whatOf(g, it))
  if (items.length === 2) return `${line}$cat(${codes[0]}, ${codes[1]}, ${whats[0]}, ${whats[1]})`
  const w = whats.every((x) => x === 'undefined') ? '$noWhat' : g.constant(`[${whats.join(', ')}]`)
  return `${line}$catN([${codes.join(', ')}], ${w})`
}

/** Whether `n` always yields a boolean (so its truthiness is its JS value). */
function isBoolean(n: E): boolean {
  switch (n.type) {
    case 'BooleanLiteral':
      return true
    case 'BinaryExpression':
      return COMPARE.has(n.operator)
    case 'UnaryExpression':
      return n.operator === 'not'
    case 'LogicalExpression':
      return isBoolean(n.left) && isBoolean(n.right)
    default:
      return false
  }
}

export function logical(g: Gen, n: L.LogicalExpression): string {
  // `a or b or c ...` nests to the left: generated in a loop (see binary).
  const spine: L.LogicalExpression[] = []
  let cur: E = n
  while (cur.type === 'LogicalExpression') {
    spine.push(cur)
    cur = cur.left
  }
  if (spine.length > LONG_CHAIN) {
    const m = g.mark()
    const t = g.tmp()
    const steps = [`${t} = ${ex(g, cur)}`]
    for (let i = spine.length - 1; i >= 0; i--) {
      const n = spine[i]!
      const test = n.operator === 'and' ? `${t} !== undefined && ${t} !== false` : `(${t} === undefined || ${t} === false)`
      steps.push(`${test} && (${t} = ${ex(g, n.right)})`)
    }
    g.release(m)
    return `(${steps.join(', ')}, ${t})`
  }
  let code = ex(g, cur)
  let leftNode: E = cur
  for (let i = spine.length - 1; i >= 0; i--) {
    code = logicalStep(g, spine[i]!, leftNode, code)
    leftNode = spine[i]!
  }
  return code
}

/** `left and/or n.right`, the left operand generated already as `leftCode`. */
function logicalStep(g: Gen, n: L.LogicalExpression, leftNode: E, leftCode: string): string {
  const and = n.operator === 'and'
  if (isBoolean(leftNode)) {
    // A boolean-valued operand's code is already a JS boolean.
    const c = leftCode
    return and ? `(${c} ? ${ex(g, n.right)} : false)` : `(${c} || ${ex(g, n.right)})`
  }
  const m = g.mark()
  let t: string
  let head: string
  if (simple(g, leftNode)) head = t = leftCode
  else {
    t = g.tmp()
    head = `(${t} = ${leftCode})`
  }
  // The right side runs only when the left value is no longer needed: it may reuse the temporary.
  g.release(m)
  const right = ex(g, n.right)
  return and ? `(${head} === undefined || ${t} === false ? ${t} : ${right})` : `(${head} === undefined || ${t} === false ? ${right} : ${t})`
}

export function unary(g: Gen, n: L.UnaryExpression): string {
  const a = n.argument
  switch (n.operator) {
    case 'not':
      return `!${cond(g, a)}`
    case '-': {
      const k = constNumber(a)
      if (k !== undefined) return num(-k)
      const line = g.line(g.lineAtEnd(n))
      if (simple(g, a) && a.type !== 'StringLiteral') {
        const v = ex(g, a)
        return `(typeof ${v} === 'number' ? -${v} : ${line}$unm(${v}, ${whatOf(g, a)}))`
      }
      return `${line}$unm(${ex(g, a)}, ${whatOf(g, a)})`
    }
    case '#':
      return `${g.line(g.lineAtEnd(n))}$len(${ex(g, a)}, ${whatOf(g, a)})`
    default:
      throw new Error(`unsupported unary operator ${n.operator}`)
  }
}

/** A Lua expression's truthiness as a JS boolean. */
export function cond(g: Gen, n: E): string {
  switch (n.type) {
    case 'BooleanLiteral':
      return n.value ? 'true' : 'false'
    case 'NilLiteral':
      return 'false'
    case 'NumericLiteral':
    case 'StringLiteral':
      return 'true'
    case 'UnaryExpression':
      if (n.operator === 'not') return `!${cond(g, n.argument)}`
      break
    case 'BinaryExpression':
      if (COMPARE.has(n.operator)) return ex(g, n)
      break
    case 'LogicalExpression': {
      const spine: L.LogicalExpression[] = []
      let cur: E = n
      while (cur.type === 'LogicalExpression') {
        spine.push(cur)
        cur = cur.left
      }
      // Runs of one operator stay flat (`a && b && c`): JS parses them in a loop, nested parentheses recurse.
      let code = cond(g, cur)
      for (let i = spine.length - 1; i >= 0; i--) {
        const op = spine[i]!.operator
        const inner = spine[i + 1]
        if (inner !== undefined && inner.operator !== op) code = `(${code})`
        code = `${code} ${op === 'and' ? '&&' : '||'} ${cond(g, spine[i]!.right)}`
      }
      return `(${code})`
    }
  }
  if (simple(g, n)) {
    const v = ex(g, n)
    return `(${v} !== undefined && ${v} !== false)`
  }
  const m = g.mark()
  const t = g.tmp()
  const code = `((${t} = ${ex(g, n)}) !== undefined && ${t} !== false)`
  g.release(m)
  return code
}
