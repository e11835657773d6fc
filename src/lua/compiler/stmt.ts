/**
 * Lua statements → JS statements. Locals become uniquely named `let`s in the
 * JS block that matches the Lua block, so a closure made in a loop body
 * captures that iteration's variable, as in Lua. Every loop is labelled and
 * `break` names its loop, so the wrappers goto adds (gotos.ts) never catch a
 * Lua break. Loop bodies start with the budget check, which is also every
 * loop's back-edge check, charged for the body's size (weight.ts).
 */
import type * as L from 'luaparse'
import { call, ex, fnExpr, list, multi, openMulti } from './expr.js'
import { BUDGET, num, numValue, whatOf } from './operands.js'
import { cond } from './operators.js'
import { lineOfNode, rangeOf, type Gen } from './gen.js'
import { planGotos } from './gotos.js'
import { decodeString } from './source.js'
import { budgetCheck, weigh } from './weight.js'
import { tailCall, tailCallOf } from './tailcall.js'

type S = L.Statement
type E = L.Expression

/** A block in its own scope. `tail` is code that must see the block's locals (repeat's `until`). */
export function block(g: Gen, stmts: S[], tail?: () => string): string {
  return g.inScope(() => {
    const savedHoist = g.hoist
    g.hoist = undefined
    try {
      // A backward goto is a back-edge: it pays for the block it may repeat.
      const check = stmts.some((s) => s.type === 'LabelStatement') ? budgetCheck(weigh(stmts)) : BUDGET
      const plan = planGotos(stmts, () => g.next(), check)
      if (plan !== undefined) for (const [k, v] of plan.jumps) g.jumps.set(k, v)
      if (plan?.kind === 'machine') return machine(g, stmts, plan.machine!, tail)
      let out = ''
      for (let i = 0; i < stmts.length; i++) {
        const wrap = plan?.before.get(i)
        if (wrap !== undefined) out += wrap.join(' ') + ' '
        out += stmt(g, stmts[i]!)
      }
      if (tail !== undefined) out += tail()
      const end = plan?.before.get(stmts.length)
      if (end !== undefined) out += ' ' + end.join(' ')
      return out
    } finally {
      g.hoist = savedHoist
    }
  })
}

/** A block whose gotos need the state machine form (see gotos.ts). */
function machine(g: Gen, stmts: S[], m: { label: string; state: string; segments: number[] }, tail?: () => string): string {
  g.hoist = []
  let body = 'case 0: {'
  for (let i = 0; i < stmts.length; i++) {
    const seg = m.segments.indexOf(i)
    if (seg >= 0) body += `} case ${seg + 1}: {`
    body += stmt(g, stmts[i]!)
  }
  if (tail !== undefined) body += tail()
  body += '}'
  const hoisted = g.hoist.length > 0 ? `let ${g.hoist.join(', ')}; ` : ''
  return `${hoisted}let ${m.state} = 0; ${m.label}: for (;;) { ${budgetCheck(weigh(stmts))} switch (${m.state}) { ${body} } break ${m.label}; }`
}

export function stmt(g: Gen, s: S): string {
  const mark = g.mark()
  try {
    return g.line(lineOfNode(s)) + statement(g, s)
  } finally {
    g.release(mark)
  }
}

function statement(g: Gen, s: S): string {
  switch (s.type) {
    case 'LocalStatement':
      return local(g, s)
    case 'AssignmentStatement':
      return assign(g, s)
    case 'CallStatement':
      return `${call(g, s.expression, false)};`
    case 'FunctionDeclaration':
      return functionStatement(g, s)
    case 'ReturnStatement':
      return ret(g, s)
    case 'IfStatement':
      return ifStatement(g, s)
    case 'WhileStatement': {
      const label = `$lp${g.next()}`
      const c = cond(g, s.condition)
      const body = loopBody(g, label, () => block(g, s.body))
      return `${label}: while (${c}) { ${budgetCheck(weigh([s.condition, s.body]))} ${body} }`
    }
    case 'RepeatStatement': {
      const label = `$lp${g.next()}`
      const body = loopBody(g, label, () => block(g, s.body, () => `${g.line(lineOfNode(s.condition))}if (${cond(g, s.condition)}) break ${label};`))
      return `${label}: for (;;) { ${budgetCheck(weigh([s.body, s.condition]))} ${body} }`
    }
    case 'DoStatement':
      return `{ ${block(g, s.body)} }`
    case 'ForNumericStatement':
      return forNumeric(g, s)
    case 'ForGenericStatement':
      return forGeneric(g, s)
    case 'BreakStatement': {
      const label = g.fn.loops[g.fn.loops.length - 1]
      if (label === undefined) throw new Error('break outside a loop')
      return `break ${label};`
    }
    case 'GotoStatement': {
      const jump = g.jumps.get(s)
      if (jump === undefined) throw new Error(`no visible label '${s.label.name}' for goto`)
      return jump
    }
    case 'LabelStatement':
      return ''
  }
}

/** Generates a loop body with `label` as the target of its breaks. */
function loopBody(g: Gen, label: string, body: () => string): string {
  g.fn.loops.push(label)
  try {
    return body()
  } finally {
    g.fn.loops.pop()
  }
}

/** `let js = value;`, or an assignment to a hoisted variable inside a state-machine block. */
function declare(g: Gen, js: string, value: string): string {
  if (g.hoist !== undefined) {
    g.hoist.push(js)
    return `${js} = ${value};`
  }
  return `let ${js} = ${value};`
}

function local(g: Gen, s: L.LocalStatement): string {
  const vars = s.variables
  const init = s.init
  const n = vars.length
  // Values first: the new names are not in scope in their own initialisers.
  const values: string[] = []
  const extra: string[] = []
  let multiTemp: string | undefined
  let multiCode = ''
  let multiFrom = -1
  init.forEach((e, i) => {
    const gap = i === 0 ? rangeOf(vars[n - 1])[1] : rangeOf(init[i - 1])[1]
    if (i === init.length - 1 && n > i + 1 && openMulti(g, e, gap, 0)) {
      multiTemp = g.tmp()
      multiCode = `${multiTemp} = ${multi(g, e)};`
      multiFrom = i
    } else if (i < n) values.push(ex(g, e))
    else extra.push(`${ex(g, e)};`)
  })
  let out = ''
  vars.forEach((v, i) => {
    if (i === multiFrom) out += multiCode
    const js = g.declare(v.name)
    const value = i < values.length ? values[i]! : multiTemp !== undefined && i >= multiFrom ? `${multiTemp}[${i - multiFrom}]` : 'undefined'
    out += declare(g, js, value)
  })
  return out + extra.join('')
}

/** The JS statement storing `value` into an assignment target. */
function store(g: Gen, target: E, value: string, parts?: { obj: string; key?: string }): string {
  if (target.type === 'Identifier') {
    const v = g.lookup(target.name)
    return v !== undefined ? `${v.js} = ${value};` : `$setS(E, ${g.str(target.name)}, ${value});`
  }
  if (target.type === 'MemberExpression') {
    const obj = parts?.obj ?? ex(g, target.base)
    return `$setS(${obj}, ${g.str(target.identifier.name)}, ${value}, ${whatOf(g, target.base)});`
  }
  if (target.type === 'IndexExpression') {
    const obj = parts?.obj ?? ex(g, target.base)
    if (target.index.type === 'StringLiteral' && parts === undefined)
      return `$setS(${obj}, ${g.str(decodeString(target.index.raw))}, ${value}, ${whatOf(g, target.base)});`
    const key = parts?.key ?? ex(g, target.index)
    return `$set(${obj}, ${key}, ${value}, ${whatOf(g, target.base)});`
  }
  throw new Error(`cannot assign to ${target.type}`)
}

function assign(g: Gen, s: L.AssignmentStatement): string {
  const targets = s.variables
  const init = s.init
  if (targets.length === 1 && init.length === 1) return store(g, targets[0]!, ex(g, init[0]!))
  // Lua evaluates the targets' tables and keys, then the values, then assigns (LuaJIT: right to left).
  let out = ''
  const parts: ({ obj: string; key?: string } | undefined)[] = targets.map((t) => {
    if (t.type === 'Identifier') return undefined
    const obj = g.tmp()
    out += `${obj} = ${ex(g, t.base as E)};`
    if (t.type === 'MemberExpression') return { obj }
    const key = g.tmp()
    out += `${key} = ${ex(g, (t as L.IndexExpression).index)};`
    return { obj, key }
  })
  const values: string[] = []
  const n = targets.length
  init.forEach((e, i) => {
    const gap = i === 0 ? rangeOf(targets[n - 1])[1] : rangeOf(init[i - 1])[1]
    if (i === init.length - 1 && n > i + 1 && openMulti(g, e, gap, 0)) {
      const t = g.tmp()
      out += `${t} = ${multi(g, e)};`
      for (let j = i; j < n; j++) values.push(`${t}[${j - i}]`)
    } else if (i < n) {
      const t = g.tmp()
      out += `${t} = ${ex(g, e)};`
      values.push(t)
    } else out += `${ex(g, e)};`
  })
  for (let i = n - 1; i >= 0; i--) out += store(g, targets[i]!, values[i] ?? 'undefined', parts[i])
  return out
}

function functionStatement(g: Gen, s: L.FunctionDeclaration): string {
  const id = s.identifier
  if (s.isLocal && id?.type === 'Identifier') {
    // Declared before its body, so the function sees itself.
    const js = g.declare(id.name)
    return declare(g, js, fnExpr(g, s, id.name, false))
  }
  if (id?.type === 'Identifier') return store(g, id, fnExpr(g, s, id.name, false))
  if (id?.type === 'MemberExpression') {
    const method = id.indexer === ':'
    const obj = ex(g, id.base)
    return `$setS(${obj}, ${g.str(id.identifier.name)}, ${fnExpr(g, s, id.identifier.name, method)}, ${whatOf(g, id.base)});`
  }
  throw new Error('function statement without a name')
}

function ret(g: Gen, s: L.ReturnStatement): string {
  const args = s.arguments
  if (args.length === 0) return 'return NONE;'
  const tl = g.fn.tail
  if (tl !== undefined) {
    const c = tailCallOf(g, s)
    if (c !== undefined) return tailCall(g, c, tl)
  }
  const gap = rangeOf(s)[0] + 'return'.length
  if (args.length === 1) {
    const a = args[0]!
    if (openMulti(g, a, gap, 0)) {
      if (a.type === 'VarargLiteral') return 'return $va;'
      return `return ${call(g, a as L.CallExpression, true)};`
    }
    return `return [${ex(g, a)}];`
  }
  return `return [${list(g, args, gap, 0)}];`
}

function ifStatement(g: Gen, s: L.IfStatement): string {
  let out = ''
  for (const c of s.clauses) {
    if (c.type === 'IfClause') out += `if (${cond(g, c.condition)}) { ${block(g, c.body)} }`
    else if (c.type === 'ElseifClause') out += ` else if (${g.line(lineOfNode(c))}${cond(g, c.condition)}) { ${block(g, c.body)} }`
    else out += ` else { ${block(g, c.body)} }`
  }
  return out
}

/** A numeric literal or negated literal as a number. */
function constStep(n: E | null): number | undefined {
  if (n === null) return 1
  if (n.type === 'NumericLiteral') return numValue(n)
  if (n.type === 'UnaryExpression' && n.operator === '-' && n.argument.type === 'NumericLiteral') return -numValue(n.argument)
  return undefined
}

function forNumeric(g: Gen, s: L.ForNumericStatement): string {
  const id = g.next()
  const a = `$a${id}`
  const b = `$b${id}`
  const st = `$s${id}`
  const i = `$i${id}`
  const label = `$lp${id}`
  const k = constStep(s.step)
  const kStart = constStep(s.start)
  const startCode = kStart !== undefined ? num(kStart) : `$forNum(${ex(g, s.start)}, 'initial value')`
  const endCode = `$forNum(${ex(g, s.end)}, 'limit')`
  const stepCode = k !== undefined ? num(k) : `$forNum(${ex(g, s.step!)}, 'step')`
  // LuaJIT: a step of 0 counts as ascending.
  const test = k !== undefined ? (k >= 0 ? `${i} <= ${b}` : `${i} >= ${b}`) : `(${st} >= 0 ? ${i} <= ${b} : ${i} >= ${b})`
  const body = g.inScope(() => {
    const v = g.declare(s.variable.name)
    return `let ${v} = ${i}; ${loopBody(g, label, () => block(g, s.body))}`
  })
  return `{ const ${a} = ${startCode}, ${b} = ${endCode}, ${st} = ${stepCode}; ${label}: for (let ${i} = ${a}; ${test}; ${i} += ${st}) { ${budgetCheck(weigh(s.body))} ${body} } }`
}

function forGeneric(g: Gen, s: L.ForGenericStatement): string {
  const id = g.next()
  const label = `$lp${id}`
  const its = s.iterators
  const gap = rangeOf(s.variables[s.variables.length - 1])[1]
  let explist: string
  if (its.length === 1 && openMulti(g, its[0]!, gap, 0)) explist = multi(g, its[0]!)
  else explist = `[${list(g, its, gap, 0)}]`
  if (g.gen) return forGenericGen(g, s, explist, id, label)
  const it = `$it${id}`
  const body = g.inScope(() => {
    const decls = s.variables.map((v, i) => `${g.declare(v.name)} = ${i === 0 ? `${it}.k` : i === 1 ? `${it}.v` : `${it}.r[${i}]`}`)
    return `let ${decls.join(', ')}; ${loopBody(g, label, () => block(g, s.body))}`
  })
  return `{ const ${it} = $iter3(${explist}); ${label}: while (${it}.step()) { ${budgetCheck(weigh(s.body))} ${body} } }`
}

/** In a coroutine chunk the iterator function may yield: it is called through its generator unless pairs/ipairs. */
function forGenericGen(g: Gen, s: L.ForGenericStatement, explist: string, id: number, label: string): string {
  const [f, st, c, fast, r] = ['$f', '$s', '$c', '$fast', '$r'].map((p) => `${p}${id}`) as [string, string, string, string, string]
  const body = g.inScope(() => {
    const names = s.variables.map((v) => g.declare(v.name))
    const fromFast = names
      .slice(0, 2)
      .map((js, i) => `${js} = ${fast}.${i === 0 ? 'k' : 'v'};`)
      .join(' ')
    const fromCall = names.map((js, i) => `${js} = ${r}[${i}];`).join(' ')
    const step =
      `if (${fast} !== undefined) { if (!${fast}.step()) break ${label}; ${fromFast} } ` +
      `else { const ${r} = yield* $genOf(${f})(${st}, ${c}); if (${r}[0] === undefined) break ${label}; ${c} = ${r}[0]; ${fromCall} }`
    return `let ${names.join(', ')}; ${step} ${loopBody(g, label, () => block(g, s.body))}`
  })
  return `{ const $e${id} = ${explist}; let ${f} = $e${id}[0], ${st} = $e${id}[1], ${c} = $e${id}[2]; const ${fast} = $iterFast(${f}, ${st}, ${c}); ${label}: for (;;) { ${budgetCheck(weigh(s.body))} ${body} } }`
}
