/**
 * What the generator knows about operands: literal values, which operands may
 * be read twice without a temporary (literals, locals), and how LuaJIT names
 * a value in error messages ("local 't'", "field 'x'", "global 'f'") and a
 * callee in "bad argument" messages.
 */
import type * as L from 'luaparse'
import { stringToNumber } from '../core/value.js'
import type { Gen } from './gen.js'
import { decodeString } from './source.js'
import { budgetCheck } from './weight.js'

type E = L.Expression

/** The budget check of weight 1 (weight.ts charges bigger bodies more). */
export const BUDGET = budgetCheck(1)

export const COMPARE = new Set(['==', '~=', '<', '<=', '>', '>='])

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

export const isCall = (n: E): n is L.CallExpression | L.StringCallExpression | L.TableCallExpression =>
  n.type === 'CallExpression' || n.type === 'StringCallExpression' || n.type === 'TableCallExpression'

/** A numeric literal, possibly negated (`-1`), as a number; undefined otherwise. */
export function constNumber(n: E): number | undefined {
  if (n.type === 'NumericLiteral') return numValue(n)
  if (n.type === 'UnaryExpression' && n.operator === '-' && n.argument.type === 'NumericLiteral') return -numValue(n.argument)
  return undefined
}

export const isLiteral = (n: E): boolean => n.type === 'NilLiteral' || n.type === 'BooleanLiteral' || n.type === 'StringLiteral' || constNumber(n) !== undefined

/** An operand that is cheap and pure to read twice: a literal, a local or upvalue, `...`'s first value. */
export function simple(g: Gen, n: E): boolean {
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
export function calleeName(n: E): string | undefined {
  if (n.type === 'Identifier') return n.name
  if (n.type === 'MemberExpression') return n.identifier.name
  if (n.type === 'IndexExpression' && n.index.type === 'StringLiteral') return decodeString(n.index.raw)
  return undefined
}
