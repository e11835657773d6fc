/**
 * The code generator's state for one chunk: scopes (Lua locals → unique JS
 * names, and which function owns each), per-function temporaries, the hoisted
 * constants, and the markers that become the chunk's line table and call-site
 * table once the JS text is finished.
 *
 * Generated text carries two kinds of markers, removed by `finish`:
 * `\x01<lua line>\x02` where a new JS line may start (so every JS line maps to
 * one Lua line), and `\x03<site>\x04` right before a call (so a JS line:column
 * in a stack frame finds the Lua call site). String literals are emitted with
 * JSON.stringify, which escapes control characters, so markers never collide.
 */
import type * as L from 'luaparse'
import { lineOf, lineStarts, skipSpace } from './source.js'
import { BODY_LINE_OFFSET, siteKey, type CallSite } from './positions.js'
import type { TailLoop } from './tailcall.js'

export interface Var {
  /** The Lua name. */
  name: string
  /** Its JS identifier. */
  js: string
  fn: FnState
}

export class Scope {
  readonly vars = new Map<string, Var>()
  constructor(readonly parent: Scope | undefined) {}
}

export class FnState {
  /** Temporaries in use / ever used. */
  top = 0
  max = 0
  /** JS labels of the enclosing Lua loops (innermost last), for `break`. */
  readonly loops: string[] = []
  /** Set when the function is compiled with a tail-call loop (tailcall.ts). */
  tail: TailLoop | undefined = undefined
  /**
   * JS names of the enclosing functions' locals this function (or one nested in
   * it) uses: its upvalues, which the closure lists for the retained-state
   * walk (core/retained.ts).
   */
  readonly captures = new Set<string>()
  constructor(
    readonly parent: FnState | undefined,
    readonly vararg: boolean,
  ) {}
}

/** A node's [start, end) offsets (luaparse with `ranges: true`). */
export type Ranged = { range?: [number, number]; loc?: { start: { line: number } } }
export const rangeOf = (n: unknown): [number, number] => (n as Ranged).range ?? [0, 0]
export const lineOfNode = (n: unknown): number => (n as Ranged).loc?.start.line ?? 0

/** A JS identifier for a Lua name (Lua allows bytes >= 0x80 in names). */
function jsIdent(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : '$u' + Buffer.from(name, 'latin1').toString('hex')
}

export class Gen {
  scope: Scope = new Scope(undefined)
  fn: FnState = new FnState(undefined, true)
  /** Chunk-level constants: `const $kN = ...`. */
  readonly consts: string[] = []
  readonly sites: CallSite[] = []
  /** JS code of each goto, set when the block holding its label is planned. */
  readonly jumps = new Map<L.GotoStatement, string>()
  /** Inside a state-machine block (gotos.ts): its locals, declared before it. */
  hoist: string[] | undefined = undefined
  private uid = 0
  private readonly starts: number[]

  constructor(
    /** The byte-string source luaparse read. */
    readonly src: string,
    /** Compile functions as generators (the chunk uses coroutines). */
    readonly gen: boolean,
  ) {
    this.starts = lineStarts(src)
  }

  /** A fresh suffix for JS names. */
  next(): number {
    return ++this.uid
  }

  /** Declares a Lua local in the current scope; returns its JS name. */
  declare(name: string): string {
    const js = `${jsIdent(name)}$${this.next()}`
    this.scope.vars.set(name, { name, js, fn: this.fn })
    return js
  }

  /** The local `name` visible here, if any. */
  lookup(name: string): Var | undefined {
    for (let s: Scope | undefined = this.scope; s !== undefined; s = s.parent) {
      const v = s.vars.get(name)
      if (v === undefined) continue
      for (let f: FnState | undefined = this.fn; f !== undefined && f !== v.fn; f = f.parent) f.captures.add(v.js)
      return v
    }
    return undefined
  }

  /** Runs `f` in a new block scope. */
  inScope<T>(f: () => T): T {
    const saved = this.scope
    this.scope = new Scope(saved)
    try {
      return f()
    } finally {
      this.scope = saved
    }
  }

  /** A temporary for the current function (`$t3`); release with `release(mark)`. */
  tmp(): string {
    const n = ++this.fn.top
    if (n > this.fn.max) this.fn.max = n
    return `$t${n}`
  }
  mark(): number {
    return this.fn.top
  }
  release(mark: number): void {
    this.fn.top = mark
  }

  /** A hoisted chunk-level constant holding `code`; returns its name. */
  constant(code: string): string {
    const name = `$k${this.consts.length}`
    this.consts.push(`const ${name} = ${code};`)
    return name
  }

  /** A JS string literal for a Lua byte string. */
  str(s: string): string {
    return JSON.stringify(s)
  }

  /** Marker: a JS line may start here, for Lua line `line`. */
  line(line: number): string {
    return line > 0 ? `\x01${line}\x02` : ''
  }

  /** The line of the first token at or after offset `at`, skipping spaces, comments and `)`. */
  lineAfter(at: number): number {
    let i = skipSpace(this.src, at)
    while (this.src.charCodeAt(i) === 41) i = skipSpace(this.src, i + 1)
    return lineOf(this.starts, i)
  }

  /** The line of offset `at`. */
  lineAt(at: number): number {
    return lineOf(this.starts, at)
  }

  /** The line of a node's last character: where LuaJIT places an operation emitted after its operands. */
  lineAtEnd(n: unknown): number {
    return lineOf(this.starts, Math.max(0, rangeOf(n)[1] - 1))
  }

  /** Marker: a call site. */
  site(site: CallSite): string {
    this.sites.push(site)
    return `\x03${this.sites.length - 1}\x04`
  }

  /**
   * The final JS text and its tables: markers become newlines (unless a newline
   * would end a `return`/`throw` statement) and entries of the line and
   * call-site tables.
   */
  finish(text: string): { js: string; lines: Int32Array; calls: Map<number, CallSite> } {
    let out = ''
    const lines: number[] = [0, 0, 0]
    let jsLine = BODY_LINE_OFFSET + 1
    let lineStart = 0
    let cur = 0
    const calls = new Map<number, CallSite>()
    let i = 0
    while (i < text.length) {
      const c = text.charCodeAt(i)
      if (c === 1) {
        const end = text.indexOf('\x02', i)
        const luaLine = Number(text.slice(i + 1, end))
        i = end + 1
        if (luaLine === cur) continue
        if (/(?:^|[^\w$])(?:return|throw|yield)\s*$/.test(out.slice(Math.max(lineStart, out.length - 8)))) continue
        if (out.length > lineStart) {
          out += '\n'
          lineStart = out.length
          jsLine++
        }
        cur = luaLine
        lines[jsLine] = luaLine
      } else if (c === 3) {
        const end = text.indexOf('\x04', i)
        const site = this.sites[Number(text.slice(i + 1, end))]!
        calls.set(siteKey(jsLine, out.length - lineStart + 1), site)
        i = end + 1
      } else {
        let j = i + 1
        while (j < text.length) {
          const d = text.charCodeAt(j)
          if (d === 1 || d === 3) break
          j++
        }
        const piece = text.slice(i, j)
        // Raw newlines are not expected, but must not shift the line table if they appear.
        for (let k = piece.indexOf('\n'); k >= 0; k = piece.indexOf('\n', k + 1)) {
          jsLine++
          lines[jsLine] = cur
          lineStart = out.length + k + 1
        }
        out += piece
        i = j
      }
    }
    const table = new Int32Array(jsLine + 2)
    let last = 0
    for (let l = 0; l < table.length; l++) {
      const v = lines[l]
      if (v !== undefined && v > 0) last = v
      table[l] = last
    }
    return { js: out, lines: table, calls }
  }
}
