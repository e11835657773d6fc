/**
 * Kong's `$(...)` value templates (Penlight pl.template as request-transformer
 * uses it), compiled once when the config loads. The text between `$(` and its
 * balanced `)` is handed to an expression engine; this module ships a small
 * engine for the expressions Kong users write most, and another engine (a Lua
 * sandbox) can plug in through `ExpressionEngine` without touching the callers.
 */
import type { Kit } from '../types.js'

/** What an expression may read, per request. Lookups are already Kong-shaped. */
export interface TemplateScope {
  /** The request, when there is one: Lua expressions read Kong's template environment from it. */
  readonly kit?: Kit
  /** A request header (lower-cased name): every value, or undefined. */
  header(name: string): string | readonly string[] | undefined
  /** A query argument: its values (`true` for `?flag`), or undefined. */
  query(name: string): string | true | readonly (string | true)[] | undefined
  /** `uri_captures[key]`: a number is a group index (0 = whole match), a string a named group. */
  capture(key: string | number): string | undefined
  /** `kong.ctx.shared[name]`. */
  shared(name: string): unknown
}

export type Evaluate = (scope: TemplateScope) => unknown

export interface CompiledExpression {
  evaluate: Evaluate
  /** Header names the expression reads (lower-cased), so a caller can snapshot them first. */
  headers?: readonly string[]
}

export interface ExpressionEngine {
  /** Compiles the text between `$(` and `)`: an evaluator, or an error message. */
  compile(expr: string): CompiledExpression | { error: string }
}

export interface Template {
  /** False when the source has no `$(...)`: `render` returns the source. */
  readonly dynamic: boolean
  /** Header names the template reads (lower-cased). */
  readonly headers: readonly string[]
  render(scope: TemplateScope): string
}

type Piece = string | Evaluate

/** Lua's `tostring(v or '')` as pl.template applies it to each expression. */
function luaString(v: unknown): string {
  if (v === undefined || v === null || v === false) return ''
  if (typeof v === 'string') return v
  // Kong renders a multi-valued header or argument as a Lua table address; the values read better.
  if (Array.isArray(v)) return v.map((x) => (x === true ? 'true' : String(x))).join(', ')
  return String(v)
}

/**
 * Compiles a template. Like pl.template, `$(` only opens an expression when a
 * balanced `)` follows (parentheses are counted, quotes are not); otherwise the
 * text stays literal. There is no escape character: Kong's documented way to
 * emit a literal `$(x)` is a string expression, `$('$(x)')`.
 */
export function compileTemplate(source: string, engine: ExpressionEngine = SIMPLE_ENGINE): Template | { error: string } {
  const pieces: Piece[] = []
  const headers = new Set<string>()
  let literal = ''
  let i = 0
  while (i < source.length) {
    const open = source.indexOf('$(', i)
    const close = open === -1 ? -1 : balancedEnd(source, open + 1)
    if (open === -1 || close === -1) {
      literal += source.slice(i)
      break
    }
    literal += source.slice(i, open)
    const compiled = engine.compile(source.slice(open + 2, close))
    if ('error' in compiled) return compiled
    if (literal) pieces.push(literal)
    literal = ''
    pieces.push(compiled.evaluate)
    for (const h of compiled.headers ?? []) headers.add(h)
    i = close + 1
  }
  if (literal) pieces.push(literal)
  const dynamic = pieces.some((p) => typeof p !== 'string')
  return {
    dynamic,
    headers: [...headers],
    render: dynamic ? (scope) => pieces.map((p) => (typeof p === 'string' ? p : luaString(p(scope)))).join('') : () => source,
  }
}

/** Index of the `)` balancing the `(` at `at`, or -1 (Lua's `%b()`). */
function balancedEnd(s: string, at: number): number {
  let depth = 0
  for (let j = at; j < s.length; j++) {
    if (s[j] === '(') depth++
    else if (s[j] === ')' && --depth === 0) return j
  }
  return -1
}

// ---------------------------------------------------------------------------
// The built-in engine: `<operand> or <operand> ...` where an operand is a
// string literal or one lookup in headers / query_params / uri_captures / shared.

type Token = { kind: 'ident' | 'string' | 'number' | 'punct'; text: string; value?: string }

const ROOTS = new Set(['headers', 'query_params', 'uri_captures', 'shared'])

function tokenize(expr: string): Token[] | undefined {
  const out: Token[] = []
  let i = 0
  while (i < expr.length) {
    const c = expr[i]!
    if (/\s/.test(c)) {
      i++
      continue
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(expr.slice(i))
    if (ident) {
      out.push({ kind: 'ident', text: ident[0] })
      i += ident[0].length
      continue
    }
    const num = /^\d+/.exec(expr.slice(i))
    if (num) {
      out.push({ kind: 'number', text: num[0] })
      i += num[0].length
      continue
    }
    if (c === '"' || c === "'") {
      let value = ''
      let j = i + 1
      for (; j < expr.length && expr[j] !== c; j++) {
        if (expr[j] !== '\\') {
          value += expr[j]
          continue
        }
        const e = expr[++j]
        if (e === undefined) return undefined
        value += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e
      }
      if (j >= expr.length) return undefined
      out.push({ kind: 'string', text: expr.slice(i, j + 1), value })
      i = j + 1
      continue
    }
    if ('.[]'.includes(c)) {
      out.push({ kind: 'punct', text: c })
      i++
      continue
    }
    return undefined
  }
  return out
}

function lookup(root: string, key: string | number): { evaluate: Evaluate; headers?: string[] } {
  switch (root) {
    case 'headers': {
      // ngx.req.get_headers(): case-insensitive, and `x_user` also finds `x-user`.
      if (typeof key === 'number') return { evaluate: () => undefined }
      const name = key.toLowerCase()
      const dashed = name.replaceAll('_', '-')
      if (dashed === name) return { evaluate: (s) => s.header(name), headers: [name] }
      return { evaluate: (s) => s.header(name) ?? s.header(dashed), headers: [name, dashed] }
    }
    case 'query_params':
      // Lua tables keep `[1]` and `["1"]` apart; query keys are strings.
      return typeof key === 'number' ? { evaluate: () => undefined } : { evaluate: (s) => s.query(key) }
    case 'uri_captures':
      return { evaluate: (s) => s.capture(key) }
    default:
      return typeof key === 'number' ? { evaluate: () => undefined } : { evaluate: (s) => s.shared(key) }
  }
}

function parseOperand(tokens: Token[], at: number): { next: number; expr: CompiledExpression } | undefined {
  const t = tokens[at]
  if (!t) return undefined
  if (t.kind === 'string') {
    const v = t.value!
    return { next: at + 1, expr: { evaluate: () => v } }
  }
  if (t.kind !== 'ident' || !ROOTS.has(t.text)) return undefined
  const p = tokens[at + 1]
  if (p?.text === '.' && tokens[at + 2]?.kind === 'ident') return { next: at + 3, expr: lookup(t.text, tokens[at + 2]!.text) }
  if (p?.text === '[' && tokens[at + 3]?.text === ']') {
    const k = tokens[at + 2]!
    if (k.kind === 'string') return { next: at + 4, expr: lookup(t.text, k.value!) }
    if (k.kind === 'number') return { next: at + 4, expr: lookup(t.text, Number(k.text)) }
  }
  return undefined
}

/** Lua truthiness: only nil and false are false ('' is true). */
const truthy = (v: unknown) => v !== undefined && v !== null && v !== false

export const SIMPLE_ENGINE: ExpressionEngine = {
  compile(source) {
    const unsupported = { error: `unsupported template expression '${source}'` }
    const tokens = tokenize(source)
    if (!tokens || tokens.length === 0) return unsupported
    const operands: CompiledExpression[] = []
    let at = 0
    for (;;) {
      const parsed = parseOperand(tokens, at)
      if (!parsed) return unsupported
      operands.push(parsed.expr)
      at = parsed.next
      if (at === tokens.length) break
      if (tokens[at]!.text !== 'or' || tokens[at]!.kind !== 'ident') return unsupported
      at++
    }
    const headers = operands.flatMap((o) => o.headers ?? [])
    if (operands.length === 1) return { evaluate: operands[0]!.evaluate, headers }
    const evals = operands.map((o) => o.evaluate)
    return {
      headers,
      evaluate: (scope) => {
        let v: unknown
        for (const e of evals) if (truthy((v = e(scope)))) return v
        return v
      },
    }
  },
}
