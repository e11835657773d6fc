/**
 * Tail calls that call the function they are in, compiled as a jump.
 *
 * LuaJIT has proper tail calls: `return f(n - 1)` reuses the frame, so a
 * function may "loop" by calling itself a million times. A JS call per Lua
 * call would overflow V8's stack long before. A function with a tail call in
 * it (`return f(...)`, not in parentheses) is compiled with its body inside
 * a labelled loop; each tail call first evaluates the callee and the
 * arguments (into the incoming parameters, which only the loop's head reads),
 * then, if the callee is this very function (identity, so a local, a global,
 * a field or a method all count), jumps to the head instead of calling:
 *
 *   function $L1$loop($p1, $p2) { $tc1: for (;;) { <budget>
 *     let n$2 = $p1, acc$3 = $p2; ...
 *     $t1 = loop$1; $p1 = n$2 - 1; $p2 = acc$3 + n$2;
 *     if ($t1 === $L1$loop) continue $tc1;
 *     return <call $t1>($p1, $p2); ... } }
 *
 * The Lua parameters are fresh `let`s per pass, so closures made in one pass
 * keep their own. The loop head charges the budget as a function entry
 * does. Any other tail call is an ordinary JS call: mutual recursion deeper
 * than V8's stack raises Lua's "stack overflow" (positions.ts), which pcall
 * catches. Functions without a tail call are compiled as before.
 */
import type * as L from 'luaparse'
import { callParts, ex, multi, openMulti, type CallNode } from './expr.js'
import { rangeOf, type Gen } from './gen.js'
import { childBlocks } from './gotos.js'
import { isCall } from './operands.js'

/** What a function compiled with a tail-call loop needs at its tail calls. */
export interface TailLoop {
  /** The loop's JS label. */
  label: string
  /** The function's own JS name (a named function expression: its binding is itself). */
  self: string
  /** The JS parameters that carry the arguments into each pass (self first for methods, without `...`). */
  params: string[]
  vararg: boolean
}

/** `return f(...)` with its call counting all values: the call, else undefined. */
export function tailCallOf(g: Gen, s: L.ReturnStatement): CallNode | undefined {
  if (s.arguments.length !== 1) return undefined
  const a = s.arguments[0]!
  return isCall(a) && openMulti(g, a, rangeOf(s)[0] + 'return'.length, 0) ? a : undefined
}

/** Whether a function body holds a tail call (nested functions aside). */
export function hasTailCall(g: Gen, body: L.Statement[]): boolean {
  for (const s of body) {
    if (s.type === 'ReturnStatement' && tailCallOf(g, s) !== undefined) return true
    for (const b of childBlocks(s)) if (hasTailCall(g, b)) return true
  }
  return false
}

/** The statement for `return f(...)` in a function compiled with a tail-call loop. */
export function tailCall(g: Gen, n: CallNode, tl: TailLoop): string {
  const c = callParts(g, n, true)
  const f = g.tmp()
  let out = `${f} = ${c.fnValue};`
  // The last argument, when a call or `...` whose values all count, is spread; the others are one value each.
  const k = c.args.length
  const last = c.args[k - 1]
  const open = last !== undefined && openMulti(g, last, k === 1 ? c.gap : rangeOf(c.args[k - 2])[1], k === 1 ? c.own : 0)
  const values: string[] = c.self !== undefined ? [c.self] : []
  for (const a of open ? c.args.slice(0, -1) : c.args) values.push(ex(g, a))
  const spread = open ? g.tmp() : undefined
  const np = tl.params.length
  // Values go to the parameters (free until the next pass reads them), in order; extra ones to temporaries.
  const slots: string[] = values.map((v, i) => {
    const slot = i < np ? tl.params[i]! : g.tmp()
    out += `${slot} = ${v};`
    return slot
  })
  if (spread !== undefined) out += `${spread} = ${multi(g, last!)};`
  // This function: fill what the values did not, then jump to the loop's head.
  let jump = ''
  for (let i = slots.length; i < np; i++) jump += `${tl.params[i]} = ${spread !== undefined ? `${spread}[${i - slots.length}]` : 'undefined'};`
  if (tl.vararg) {
    const extra = slots.slice(np)
    const rest = spread === undefined ? [] : [slots.length >= np ? `...${spread}` : `...${spread}.slice(${np - slots.length})`]
    jump += `$va = ${extra.length + rest.length === 0 ? 'NONE' : `[${[...extra, ...rest].join(', ')}]`};`
  }
  jump += `continue ${tl.label};`
  const argCode = [...slots, ...(spread !== undefined ? [`...${spread}`] : [])].join(', ')
  if (g.gen) {
    out += `if ($genOf(${f}, ${c.what}) === ${tl.self}) { ${jump} }`
    return `${out} return yield* ${c.line}${c.site}$genOf(${f}, ${c.what})${c.site2()}(${argCode});`
  }
  out += `if (${f} === ${tl.self}) { ${jump} }`
  return `${out} return (typeof ${f} === 'function' ? ${f} : $fnOf(${f}, ${c.what}))${c.line}${c.site}(${argCode});`
}
