/**
 * Lua expressions → JS expressions. Three forms:
 * - `ex`: one Lua value;
 * - `multi`: an array of values (a call or `...` where all its values count);
 * - `cond`: a JS boolean (Lua truthiness), for if/while/and/or/not.
 *
 * Numbers, locals and literals get inline fast paths (`typeof a === 'number'
 * ? a + b : slow`); other operands go through the small helpers of
 * runtime.ts, which V8 inlines. Every Lua call is `(typeof f === 'function' ?
 * f : $fnOf(f, what))(args)`, one JS frame per Lua frame. In coroutine
 * chunks, calls are `yield* $genOf(f)(args)` so a yield can suspend the stack.
 */
import type * as L from 'luaparse'
import { pow as luaPow } from '../core/ops.js'
import { stringToNumber } from '../core/value.js'
import { FnState, lineOfNode, rangeOf, type Gen } from './gen.js'
import { decodeString, parensBetween } from './source.js'
import { block } from './stmt.js'

type E = L.Expression

export const BUDGET = 'if (--B.left < 0) B.out();'

/** A JS literal for a number. */
export function num(v: number): string {
  if (v !== v) return 'NaN'
  if (v === Infinity) return 'Infinity'
  if (v === -Infinity) return '(-Infinity)'
  if (Object.is(v, -0)) return '(-0)'
  return v < 0 ? `(${String(v)})` : String(v)
}

export function numValue(n: L.NumericLiteral): number {
  return stringToNumber(n.raw) ?? n.value
}

const isCall = (n: E): n is L.CallExpression | L.StringCallExpression | L.TableCallExpression =>
  n.type === 'CallExpression' || n.type === 'StringCallExpression' || n.type === 'TableCallExpression'

/** Whether the last element `n` of an expression list counts all its values (a call or `...` not in parentheses). */
export function openMulti(g: Gen, n: E, gapStart: number, ownParens: number): boolean {
  if (!isCall(n) && n.type !== 'VarargLiteral') return false
  return parensBetween(g.src, gapStart, rangeOf(n)[0]) === ownParens
}

/** A numeric literal, possibly negated (`-1`), as a number; undefined otherwise. */
function constNumber(n: E): number | undefined {
  if (n.type === 'NumericLiteral') return numValue(n)
  if (n.type === 'UnaryExpression' && n.operator === '-' && n.argument.type === 'NumericLiteral') return -numValue(n.argument)
  return undefined
}

const isLiteral = (n: E): boolean => n.type === 'NilLiteral' || n.type === 'BooleanLiteral' || n.type === 'StringLiteral' || constNumber(n) !== undefined

/** An operand that is cheap and pure to read twice: a literal, a local or upvalue, `...`'s first value. */
function simple(g: Gen, n: E): boolean {
  if (isLiteral(n) || n.type === 'VarargLiteral') return true
  return n.type === 'Identifier' && g.lookup(n.name) !== undefined
}

/** How LuaJIT names the value of `n` in error messages ("local 'x'"), as a JS literal. */
export function whatOf(g: Gen, n: E): string {
  const w = whatText(g, n)
  return w === undefined ? 'undefined' : g.str(w)
}

function whatText(g: Gen, n: E): string | undefined {
  switch (n.type) {
    case 'Identifier': {
      const v = g.lookup(n.name)
      return `${v === undefined ? 'global' : v.fn === g.fn ? 'local' : 'upvalue'} '${n.name}'`
    }
    case 'MemberExpression':
      return `${n.indexer === '.' ? 'field' : 'method'} '${n.identifier.name}'`
    case 'IndexExpression':
      return n.index.type === 'StringLiteral' ? `field '${decodeString(n.index.raw)}'` : undefined
    case 'LogicalExpression':
      // LuaJIT names a register by the last instruction that writes it: the right operand's load,
      // unless the left operand is a condition (a comparison, `not x`), whose boolean is written last.
      return jumps(n.left) ? undefined : whatText(g, n.right)
    default:
      return undefined
  }
}

/** Whether LuaJIT compiles `n` as a condition with jumps (not folded to a constant). */
function jumps(n: E): boolean {
  if (n.type === 'BinaryExpression') return COMPARE.has(n.operator)
  if (n.type === 'UnaryExpression' && n.operator === 'not') return !isLiteral(n.argument)
  return false
}

/** The callee name LuaJIT shows in "bad argument #1 to 'name'". */
function calleeName(n: E): string | undefined {
  if (n.type === 'Identifier') return n.name
  if (n.type === 'MemberExpression') return n.identifier.name
  if (n.type === 'IndexExpression' && n.index.type === 'StringLiteral') return decodeString(n.index.raw)
  return undefined
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

/** A call: JS for its array of results. `tail`: a `return f(...)`, a tail call in LuaJIT. */
export function call(g: Gen, n: L.CallExpression | L.StringCallExpression | L.TableCallExpression, tail: boolean): string {
  const base = n.base
  const args: E[] = n.type === 'CallExpression' ? n.arguments : n.type === 'StringCallExpression' ? [n.argument] : [n.arguments]
  const gap = rangeOf(base)[1]
  const line = g.line(g.lineAfter(gap))
  const method = base.type === 'MemberExpression' && base.indexer === ':'
  const site = g.site({ name: calleeName(base), method, tail })
  const own = n.type === 'CallExpression' ? 1 : 0
  const m = g.mark()
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
  if (g.gen) {
    const argCode = list(g, args, gap, own)
    g.release(m)
    // The site is marked at both places V8 may report for this frame.
    return `(yield* ${line}${site}$genOf(${fnValue}, ${what})${g.site({ name: calleeName(base), method, tail })}(${self !== undefined ? self + (args.length ? ', ' : '') : ''}${argCode}))`
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
      if (vararg) params.push('...$va')
      const body = block(g, n.body)
      const temps = tempDecl(g.fn)
      const fname = `$L${line}${name !== undefined && /^[A-Za-z_]\w*$/.test(name) ? '$' + name : ''}`
      const code = `${g.gen ? 'function*' : 'function'} ${fname}(${params.join(', ')}) { ${BUDGET} ${temps}${body} return NONE; }`
      return g.gen ? `$mkg(${code})` : code
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

const ARITH: Record<string, string> = { '+': '$add', '-': '$sub', '*': '$mul', '/': '$div', '%': '$mod', '^': '$pow' }
const COMPARE = new Set(['==', '~=', '<', '<=', '>', '>='])

function fold(op: string, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b
    case '-':
      return a - b
    case '*':
      return a * b
    case '/':
      return a / b
    case '%':
      return a - Math.floor(a / b) * b
    default:
      return luaPow(a, b)
  }
}

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

function binary(g: Gen, n: L.BinaryExpression): string {
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
    const v = fold(op, ka, kb)
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

function logical(g: Gen, n: L.LogicalExpression): string {
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

function unary(g: Gen, n: L.UnaryExpression): string {
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
