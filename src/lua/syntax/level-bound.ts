/**
 * A lower bound of LuaJIT's syntax nesting level at each token, kept while the
 * token walk (scopes.ts) reads them. It is what is left when luaparse gives no
 * tree to count on (levels.ts): an error inside a statement, or luaparse's own
 * stack overflowing. lj_parse.c takes a level per block and per expression it
 * enters; the bound counts those the tokens show for sure: blocks, open brackets,
 * unary operators in a row, right-associative chains, statement expressions,
 * right operands, runs of labels. It also records the exact level of each
 * statement that only blocks enclose (`stmtLevel`), where levels.ts starts.
 */
import { BLOCK_END, MAX_LEVEL, type Tok } from './tokens.js'

const BINARY = new Set('+ - * / % ^ .. == ~= < <= > >= and or'.split(' '))
/** Tokens after which a statement-level expression starts (its own syntax level). */
const EXPR_START = new Set(['=', 'return', 'in'])
/** Tokens that end an operand (so a following '-' is binary). */
const OPERAND_END = new Set(['name', 'number', 'string', ')', ']', '}', '...', 'nil', 'true', 'false', 'end', 'goto'])
const SIMPLE = new Set(['name', 'number', 'string', '...', 'nil', 'true', 'false', 'goto'])

/** What the bound keeps on an open construct of the walk (a frame). */
export interface Open {
  kind: string
  at: number
  /** A '(' opening a parameter list; a `function` starting a statement. */
  params: boolean
  /** The block the construct holds, while one is open. */
  block: object | undefined
  /** Only blocks (statement level) between this frame and the main chunk: statements here sit at a known level. */
  clean: boolean
  /** Counted in the nesting bound (a '{' while a field's value is being parsed). */
  counted: boolean
  /** The expression being read at this frame's level: none, operand next, operator next, name next. */
  expr: 0 | 1 | 2 | 3
  /** The right operand of a binary operator is being read at this level (one more level). */
  rhs: boolean
  /** A block or a header: its expressions are statement-level ones, each a level of its own. */
  owner: boolean
}

export class LevelBound {
  /** First token at which LuaJIT is surely 200 levels deep. */
  levelAt: number | undefined
  /** The token with the deepest bound. */
  deepest = 0
  /** LuaJIT's syntax level for a statement starting at token i, when only blocks enclose it (else -1). */
  readonly stmtLevel: Int32Array
  private deepestLevel = 0
  private open = 0 // levels the frames surely hold
  private unclean = 0 // frames that are not statement-level blocks
  private inExpr = 0 // blocks and headers in the middle of an expression
  private pendingRhs = 0 // frames reading a binary operator's right operand
  private labels = 0 // labels right after another, each parsed one level deeper
  private readonly unary: Int32Array // unary operators in a row before token i
  private readonly chain: Int32Array // right-associative operators pending before token i

  constructor(private readonly toks: Tok[]) {
    this.stmtLevel = new Int32Array(toks.length).fill(-1)
    this.unary = new Int32Array(toks.length + 1)
    this.chain = new Int32Array(toks.length + 1)
  }

  private t(i: number): string {
    return this.toks[i]?.t ?? 'eof'
  }

  /**
   * The bound as the walk stands at token i, inside `top` with `depth` frames
   * open: moves the expression reader over the token and records the level.
   */
  step(i: number, top: Open, depth: number, inLabel: boolean): void {
    const { unary, chain } = this
    const tt = this.t(i)
    if (this.unclean === 0) this.stmtLevel[i] = depth

    const prev = this.t(i - 1)
    if ((prev === '-' || prev === 'not' || prev === '#') && !OPERAND_END.has(this.t(i - 2))) unary[i] = unary[i - 1]! + 1
    if (prev === '..' || prev === '^') chain[i] = SIMPLE.has(this.t(i - 2)) && this.t(i - 3) === prev ? chain[i - 2]! + 1 : 1
    else if (SIMPLE.has(prev) && (this.t(i - 2) === '..' || this.t(i - 2) === '^')) chain[i] = chain[i - 1]!
    const owner = top.owner
    const rhsBefore = this.pendingRhs - (chain[i] && top.rhs ? 1 : 0) // a chain already counts its last operator
    const inside = (owner || !top.params) && this.readExpr(top, tt, prev)
    // each label right after another is parsed one level deeper
    if (tt === '::' && !inLabel) this.labels = prev === '::' ? this.labels + 1 : 0
    else if (prev === '::' && !inLabel) this.labels = 0
    let d = this.open + unary[i]! + chain[i]! + this.inExpr - (owner && top.expr ? 1 : 0) + (owner && inside ? 1 : 0) + this.labels + rhsBefore
    if ((tt === ')' || tt === ',') && top.kind === '(' && !top.params) d--
    else if (tt === ']' && top.kind === '[') d--
    else if ((tt === 'end' || tt === 'until' || tt === 'else' || tt === 'elseif') && top.block) d--
    else if (top.kind === '{') {
      const fieldStart = prev === '{' || prev === ',' || prev === ';'
      const key = (fieldStart && (tt === '[' || (SIMPLE.has(tt) && this.t(i + 1) === '='))) || (tt === '=' && SIMPLE.has(prev) && /^[{,;]$/.test(this.t(i - 2)))
      if (!(tt === '}' || tt === ',' || tt === ';' || key)) d++
    }
    if (d >= MAX_LEVEL && this.levelAt === undefined) this.levelAt = i
    if (d > this.deepestLevel) {
      this.deepestLevel = d
      this.deepest = i
    }
  }

  /** Frame `f` was opened above `below`; `clean`: it is a block at statement level. */
  pushed(f: Open, below: Open | undefined, clean: boolean): void {
    // a '{' holds a level while one of its field values is being parsed (not while a `[key]` is)
    const before = this.t(f.at - 1)
    if (below?.kind === '{' && !(f.kind === '[' && (before === '{' || before === ',' || before === ';'))) this.setCounted(below, true)
    this.setClean(f, clean)
  }

  /** Frame `f` was closed, leaving `below` on top. */
  popped(f: Open, below: Open | undefined): void {
    this.setClean(f, true)
    this.setCounted(f, false)
    this.setExpr(f, 0)
    this.setRhs(f, false)
    if (below?.kind === '{') this.setCounted(below, false)
    // a bracket or function closed inside an expression completes an operand
    if (below?.expr === 1 || below?.expr === 2) this.setExpr(below, 2)
  }

  /** Frame `f` began a block. */
  begun(f: Open): void {
    this.setExpr(f, 0)
    this.setCounted(f, true)
    if (f.kind !== 'function' || f.params) this.setClean(f, true)
  }

  /** Frame `f`'s block ended (the frame may stay open: `if` ... `else`). */
  ended(f: Open): void {
    this.setCounted(f, false)
    this.setClean(f, false)
  }

  private setClean(f: Open, clean: boolean): void {
    if (f.clean !== clean) this.unclean += clean ? -1 : 1
    f.clean = clean
  }

  setCounted(f: Open, counted: boolean): void {
    if (f.counted !== counted) this.open += counted ? 1 : -1
    f.counted = counted
  }

  setExpr(f: Open, expr: Open['expr']): void {
    if (f.owner) this.inExpr += (expr ? 1 : 0) - (f.expr ? 1 : 0)
    f.expr = expr
  }

  private setRhs(f: Open, rhs: boolean): void {
    if (f.rhs !== rhs) this.pendingRhs += rhs ? 1 : -1
    f.rhs = rhs
  }

  /**
   * Moves the expression reader of the innermost block, header or bracket over
   * token `tt`; true while LuaJIT is inside the expression as it looks at the
   * token (also at the token that ends it).
   */
  private readExpr(f: Open, tt: string, prev: string): boolean {
    switch (f.expr) {
      case 1:
        if (SIMPLE.has(tt)) this.setExpr(f, 2)
        else if (!(tt === '-' || tt === 'not' || tt === '#' || tt === '(' || tt === '{' || tt === 'function')) {
          this.setExpr(f, 0)
          this.setRhs(f, false)
          return !(prev === 'return' && (BLOCK_END.has(tt) || tt === ';'))
        }
        return true
      case 2:
        if (BINARY.has(tt)) return (this.setExpr(f, 1), this.setRhs(f, true), true)
        if (tt === '.' || tt === ':') return (this.setExpr(f, 3), true)
        if (tt === '(' || tt === '[' || tt === '{' || tt === 'string') return true
        this.setRhs(f, false)
        if (tt === ',' || (tt === ';' && f.kind === '{')) return (this.setExpr(f, 1), false)
        this.setExpr(f, 0)
        this.startExpr(f, tt)
        return true
      case 3:
        this.setExpr(f, tt === 'name' || tt === 'goto' ? 2 : 0)
        if (!f.expr) this.setRhs(f, false)
        return true
      default:
        this.startExpr(f, tt)
        return false
    }
  }

  /** `=`, `return`, `in` start an expression (in a table, `=` starts a field's value). */
  private startExpr(f: Open, tt: string): void {
    if (EXPR_START.has(tt) || (f.kind === '{' && (tt === ',' || tt === ';'))) this.setExpr(f, 1)
  }
}
