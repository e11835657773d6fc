/**
 * Static refusal: a snippet that reaches what this gateway cannot run (ngx
 * timers, cosockets, subrequests, light threads, ngx.sleep, ngx.exec, shared
 * dicts: LUA_UNAVAILABLE in src/errors.ts) is refused when its config is
 * validated, naming the function and its Lua line, instead of answering 500
 * on the first request that gets there.
 *
 * "Static" is a field chain (`a.b`, `a["b"]`, `a:b`) whose root is the global
 * `ngx`, `_G.ngx`, or a local that only ever holds it (`local ngx = ngx`, the
 * OpenResty idiom). Not judged here, so left to the run-time error with the
 * same message: a local named `ngx` holding anything else, every use of the
 * global when the chunk assigns it, and a computed key (`ngx[name]`).
 *
 * Callers run it after the syntax check accepted the source. luaparse reads
 * it again, for the tree with scopes; only sources that mention `ngx` and one
 * of the namespaces are parsed. Where luaparse cannot read what LuaJIT accepts
 * (a binary literal such as `0b101`, the string "end" right after `return`:
 * the compiler rewrites those before luaparse sees them), nothing is refused.
 */
import type * as L from 'luaparse'
import { LUA_UNAVAILABLE, luaUnavailable, luaUnavailableReason } from '../../errors.js'
import { loadLuaparse } from './grammar.js'

export interface LuaRefusal {
  /** What the snippet reaches, e.g. `ngx.timer.at` or `ngx.shared.cache`. */
  name: string
  /** 1-based line inside the Lua source. */
  line: number
  /** The catalogue's message, with the name and the line. */
  message: string
}

/** A source none of whose words is a refused namespace cannot reach one by a static chain. */
const WORDS = new RegExp(
  `\\b(?:${Object.keys(LUA_UNAVAILABLE)
    .map((k) => k.slice('ngx.'.length))
    .join('|')})\\b`,
)
const NGX = /\bngx\b/

/** A local declaration; `alias` is the root its initializer names, when that is an ngx root. */
interface Local {
  alias: Root | undefined
  assigned: boolean
}
/** What a chain starts from: the global ngx, or a local that may hold it. */
type Root = 'ngx' | Local

interface Found {
  root: Root
  name: string
  line: number
  column: number
}

/** The first static use of something unavailable in a chunk, or undefined. Never throws. */
export function findUnavailable(source: string): LuaRefusal | undefined {
  if (!NGX.test(source) || !WORDS.test(source)) return undefined
  // luaparse reads bytes as latin1 characters, as the compiler feeds it; LuaJIT skips a `#` first line.
  let bytes = Buffer.from(source, 'utf8').toString('latin1')
  if (bytes.startsWith('#')) bytes = `-- ${bytes.slice(1)}`
  let chunk: L.Chunk
  try {
    chunk = loadLuaparse().parse(bytes, {
      luaVersion: 'LuaJIT',
      encodingMode: 'pseudo-latin1',
      locations: true,
      scope: false,
      comments: false,
      extendedIdentifiers: true,
    } as unknown as L.Options)
  } catch {
    return undefined
  }
  const w = new Walk()
  try {
    w.body(chunk.body)
  } catch (e) {
    // `1 + 1 + ... + 1` nests as deep as it is long: too deep to walk is too deep to judge
    if (e instanceof RangeError) return undefined
    throw e
  }
  let first: Found | undefined
  for (const f of w.found) {
    if (!w.holdsNgx(f.root)) continue
    if (first === undefined || f.line < first.line || (f.line === first.line && f.column < first.column)) first = f
  }
  return first && { name: first.name, line: first.line, message: luaUnavailable(first.name, first.line) }
}

/** The same for the inside of `$(...)`, wrapped as the engine compiles it (the lines stay the expression's). */
export function findUnavailableInExpression(expr: string): LuaRefusal | undefined {
  return findUnavailable(`return (${expr}\n)`)
}

/** One pass over the tree: scopes, the chains rooted at an ngx candidate, and what is assigned. */
class Walk {
  readonly found: Found[] = []
  private readonly scopes: Map<string, Local>[] = [new Map()]
  /** The chunk assigns the global `ngx` (or `_G.ngx`): its later reads are not OpenResty's ngx. */
  private ngxAssigned = false

  holdsNgx(root: Root): boolean {
    if (root === 'ngx') return !this.ngxAssigned
    return !root.assigned && root.alias !== undefined && this.holdsNgx(root.alias)
  }

  body(stmts: L.Statement[]): void {
    this.scopes.push(new Map())
    for (const s of stmts) this.stmt(s)
    this.scopes.pop()
  }

  private resolve(name: string): Local | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const l = this.scopes[i]!.get(name)
      if (l !== undefined) return l
    }
    return undefined
  }

  private declare(name: string, alias?: Root): void {
    this.scopes[this.scopes.length - 1]!.set(name, { alias, assigned: false })
  }

  private assign(target: L.Expression): void {
    if (target.type === 'Identifier') {
      const l = this.resolve(target.name)
      if (l !== undefined) l.assigned = true
      else if (target.name === 'ngx') this.ngxAssigned = true
      return
    }
    if (target.type === 'MemberExpression' && target.base.type === 'Identifier' && target.base.name === '_G' && !this.resolve('_G')) {
      if (target.identifier.name === 'ngx') this.ngxAssigned = true
    }
    this.expr(target)
  }

  private stmt(s: L.Statement): void {
    switch (s.type) {
      case 'LocalStatement': {
        for (const e of s.init) this.expr(e)
        // a local's scope starts after its statement: `local ngx = ngx` reads the global
        const roots = s.init.map((e) => this.rootOf(e))
        s.variables.forEach((v, i) => this.declare(v.name, roots[i]))
        return
      }
      case 'AssignmentStatement':
        for (const e of s.init) this.expr(e)
        for (const v of s.variables) this.assign(v)
        return
      case 'CallStatement':
        return this.expr(s.expression)
      case 'FunctionDeclaration':
        return this.func(s)
      case 'IfStatement':
        for (const c of s.clauses) {
          if (c.type !== 'ElseClause') this.expr(c.condition)
          this.body(c.body)
        }
        return
      case 'WhileStatement':
        this.expr(s.condition)
        return this.body(s.body)
      case 'DoStatement':
        return this.body(s.body)
      case 'RepeatStatement':
        // `until` sees the body's locals
        this.scopes.push(new Map())
        for (const b of s.body) this.stmt(b)
        this.expr(s.condition)
        this.scopes.pop()
        return
      case 'ForNumericStatement':
        for (const e of [s.start, s.end, s.step]) if (e) this.expr(e)
        return this.scoped([s.variable], s.body)
      case 'ForGenericStatement':
        for (const e of s.iterators) this.expr(e)
        return this.scoped(s.variables, s.body)
      case 'ReturnStatement':
        for (const e of s.arguments) this.expr(e)
        return
      default:
      // labels, goto, break: no expression
    }
  }

  /** A body whose scope starts with `names` (loop variables, parameters). */
  private scoped(names: (L.Identifier | L.VarargLiteral)[], body: L.Statement[]): void {
    this.scopes.push(new Map())
    for (const n of names) if (n.type === 'Identifier') this.declare(n.name)
    for (const b of body) this.stmt(b)
    this.scopes.pop()
  }

  private func(f: L.FunctionDeclaration): void {
    const id = f.identifier
    // `local function f` is in scope inside its own body; `function a.b()` reads `a`
    if (id !== null) {
      if (f.isLocal && id.type === 'Identifier') this.declare(id.name)
      else this.assign(id)
    }
    this.scoped(f.parameters, f.body)
  }

  private expr(e: L.Expression): void {
    switch (e.type) {
      case 'MemberExpression':
      case 'IndexExpression': {
        if (this.chain(e)) return
        this.expr(e.base)
        if (e.type === 'IndexExpression') this.expr(e.index)
        return
      }
      case 'CallExpression':
        this.expr(e.base)
        for (const a of e.arguments) this.expr(a)
        return
      case 'StringCallExpression':
        this.expr(e.base)
        return this.expr(e.argument)
      case 'TableCallExpression':
        this.expr(e.base)
        return this.expr(e.arguments)
      case 'FunctionDeclaration':
        return this.func(e)
      case 'TableConstructorExpression':
        for (const f of e.fields) {
          if (f.type === 'TableKey') this.expr(f.key)
          this.expr(f.value)
        }
        return
      case 'BinaryExpression':
      case 'LogicalExpression':
        this.expr(e.left)
        return this.expr(e.right)
      case 'UnaryExpression':
        return this.expr(e.argument)
      default:
      // identifiers and literals: a bare `ngx` reaches nothing yet
    }
  }

  /** The root an expression names when it is one by itself (`ngx`, `_G.ngx`, an alias local). */
  private rootOf(e: L.Expression): Root | undefined {
    if (e.type === 'Identifier') return this.resolve(e.name) ?? (e.name === 'ngx' ? 'ngx' : undefined)
    const key = e.type === 'MemberExpression' ? e.identifier.name : e.type === 'IndexExpression' && e.index.type === 'StringLiteral' ? e.index.value : undefined
    if (key === 'ngx' && (e.type === 'MemberExpression' || e.type === 'IndexExpression') && e.base.type === 'Identifier' && e.base.name === '_G')
      return this.resolve('_G') ? undefined : 'ngx'
    return undefined
  }

  /**
   * When `e` is a chain of constant keys from an identifier: records it if it
   * reaches an unavailable name from an ngx candidate, and says it was a chain
   * (nothing inside it is left to walk).
   */
  private chain(e: L.MemberExpression | L.IndexExpression): boolean {
    const keys: { name: string; at: L.Node }[] = []
    let cur: L.Expression = e
    for (;;) {
      if (cur.type === 'MemberExpression') keys.unshift({ name: cur.identifier.name, at: cur.identifier })
      else if (cur.type === 'IndexExpression' && cur.index.type === 'StringLiteral') keys.unshift({ name: cur.index.value, at: cur.index })
      else break
      cur = cur.base
    }
    if (cur.type !== 'Identifier') return false
    let root = this.rootOf(cur)
    if (root === undefined && cur.name === '_G' && !this.resolve('_G') && keys[0]?.name === 'ngx') {
      root = 'ngx'
      keys.shift()
    }
    if (root === undefined || keys.length === 0) return true
    // a namespace and its member: `ngx.timer.at`, `ngx.shared.cache`, `ngx.sleep`
    const named = keys.slice(0, 2)
    const name = `ngx.${named.map((k) => k.name).join('.')}`
    if (luaUnavailableReason(name) === undefined) return true
    const loc = named[named.length - 1]!.at.loc
    this.found.push({ root, name, line: loc?.start.line ?? 1, column: loc?.start.column ?? 0 })
    return true
  }
}
