/**
 * AST → Program for the backtracking VM. Single-character repeats become one
 * Rep instruction (no backtrack entry per character); other repeats are
 * Split/Jmp loops, with an empty-iteration check where the body can match
 * empty (PCRE stops such a loop instead of spinning). Also works out what the
 * search loop can skip: anchoring and the bytes a match can start with.
 */
import { B } from '../../../core/budget.js'
import { INF, PcreError, type AssertKind, type Node, type Parsed } from './ast.js'
import { CharSet, asciiOther, caseVariants } from './charset.js'
import { AssertCode, Inst, LookKind, Op, RepMode, type Program } from './program.js'
import { encodeUtf8 } from './utf8.js'

/** Instructions a program may have ("regular expression is too large" beyond; PCRE2 refuses at a similar size). */
const MAX_CODE = 30_000
const MAX_LOOKBEHIND = 255

const ASSERTS: Record<AssertKind, AssertCode> = {
  bol: AssertCode.Bol,
  mbol: AssertCode.MBol,
  eol: AssertCode.Eol,
  meol: AssertCode.MEol,
  A: AssertCode.Start,
  z: AssertCode.End,
  Z: AssertCode.EndNL,
  G: AssertCode.SearchStart,
  b: AssertCode.WordB,
  B: AssertCode.NotWordB,
}

class Compiler {
  code: Inst[] = []
  sets: CharSet[] = []
  nslots: number

  constructor(
    readonly utf: boolean,
    readonly jsCompat: boolean,
    ncap: number,
  ) {
    this.nslots = 2 * (ncap + 1)
  }

  emit(op: Op, a = 0, b = 0, c = 0): Inst {
    // Repeats expand their bodies: a short pattern can emit many instructions, each charged.
    B.steps(1)
    if (this.code.length >= MAX_CODE) throw new PcreError('regular expression is too large', Infinity)
    const inst = new Inst(op, a, b, c)
    this.code.push(inst)
    return inst
  }

  get pc(): number {
    return this.code.length
  }

  slot(): number {
    return this.nslots++
  }

  setIndex(set: CharSet): number {
    this.sets.push(set)
    return this.sets.length - 1
  }

  /** The single instruction matching one character for `n`, or undefined. */
  single(n: Node): Inst | undefined {
    switch (n.t) {
      case 'char': {
        const c = n.c
        if (c < 0x80 || !this.utf) {
          const o = n.ci ? asciiOther(c) : c
          return o === c ? new Inst(Op.Byte, c) : new Inst(Op.Byte2, c, o)
        }
        if (n.ci) {
          const v = caseVariants(c)
          if (v.length > 1) {
            const set = new CharSet()
            for (const x of v) set.addChar(x)
            return new Inst(Op.USet, this.setIndex(set))
          }
        }
        return new Inst(Op.UChar, c)
      }
      case 'any':
        return new Inst(this.utf ? (n.nl ? Op.UAnyNL : Op.UAny) : n.nl ? Op.AnyNL : Op.Any)
      case 'set':
        return new Inst(this.utf ? Op.USet : Op.Set, this.setIndex(n.set))
      case 'group':
        return n.cap < 0 ? this.single(n.body) : undefined
    }
    return undefined
  }

  node(n: Node): void {
    switch (n.t) {
      case 'empty':
        return
      case 'char':
        // A multibyte character outside a repeat: its bytes, which is faster than decoding.
        if (this.utf && n.c >= 0x80 && !(n.ci && caseVariants(n.c).length > 1)) {
          for (const b of encodeUtf8(n.c)) this.emit(Op.Byte, b.charCodeAt(0))
          return
        }
        this.push(this.single(n)!)
        return
      case 'any':
      case 'set':
        this.push(this.single(n)!)
        return
      case 'seq':
        for (const item of n.items) this.node(item)
        return
      case 'alt':
        return this.alt(n.alts)
      case 'group':
        if (n.cap < 0) return this.node(n.body)
        this.emit(Op.Save, 2 * n.cap)
        this.node(n.body)
        this.emit(Op.Save, 2 * n.cap + 1)
        return
      case 'repeat':
        return this.repeat(n)
      case 'assert':
        this.emit(Op.Assert, ASSERTS[n.kind])
        return
      case 'look':
        return this.look(n)
      case 'atomic':
        this.emit(Op.AtomicStart)
        this.node(n.body)
        this.emit(Op.Cut)
        return
      case 'backref': {
        const inst = this.emit(Op.Backref, n.groups[0] ?? 0, n.ci ? 1 : 0, this.jsCompat ? 1 : 0)
        if (n.groups.length > 1) inst.groups = n.groups
        return
      }
      case 'cond':
        return this.cond(n)
      case 'keep':
        this.emit(Op.Save, 0)
        return
      case 'fail':
        this.emit(Op.Fail)
        return
    }
  }

  push(inst: Inst): void {
    B.steps(1)
    if (this.code.length >= MAX_CODE) throw new PcreError('regular expression is too large', Infinity)
    this.code.push(inst)
  }

  alt(alts: Node[]): void {
    const jumps: Inst[] = []
    for (let k = 0; k < alts.length; k++) {
      const last = k === alts.length - 1
      const split = last ? undefined : this.emit(Op.Split, this.pc + 1)
      this.node(alts[k]!)
      if (!last) jumps.push(this.emit(Op.Jmp))
      if (split) split.b = this.pc
    }
    for (const j of jumps) j.a = this.pc
  }

  repeat(n: Extract<Node, { t: 'repeat' }>): void {
    const one = this.single(n.body)
    if (one !== undefined && one.op !== Op.Byte2) {
      this.push(
        new Inst(Op.Rep, one.op, one.a, one.b, n.min, n.max, n.mode === 'greedy' ? RepMode.Greedy : n.mode === 'lazy' ? RepMode.Lazy : RepMode.Possessive),
      )
      return
    }
    if (one !== undefined) {
      // Caseless ASCII letter: a two-byte set.
      const set = new CharSet()
      set.addChar(one.a)
      set.addChar(one.b)
      const mode = n.mode === 'greedy' ? RepMode.Greedy : n.mode === 'lazy' ? RepMode.Lazy : RepMode.Possessive
      this.push(new Inst(Op.Rep, Op.Set, this.setIndex(set), 0, n.min, n.max, mode))
      return
    }
    if (n.mode === 'possessive') {
      this.emit(Op.AtomicStart)
      this.repeat({ ...n, mode: 'greedy' })
      this.emit(Op.Cut)
      return
    }
    const lazy = n.mode === 'lazy'
    for (let k = 0; k < n.min; k++) this.node(n.body)
    if (n.max === INF) {
      const loop = this.emit(Op.Split)
      const bodyStart = this.pc
      const empty = nullable(n.body)
      const mark = empty ? this.slot() : -1
      if (empty) this.emit(Op.Mark, mark)
      this.node(n.body)
      const check = empty ? this.emit(Op.LoopCheck, mark) : undefined
      this.emit(Op.Jmp, this.code.indexOf(loop))
      const exit = this.pc
      if (check) check.b = exit
      if (lazy) {
        loop.a = exit
        loop.b = bodyStart
      } else {
        loop.a = bodyStart
        loop.b = exit
      }
      return
    }
    const splits: Inst[] = []
    for (let k = n.min; k < n.max; k++) {
      const split = this.emit(Op.Split)
      splits.push(split)
      split.a = this.pc
      this.node(n.body)
    }
    const exit = this.pc
    for (const s of splits) {
      if (lazy) {
        s.b = s.a
        s.a = exit
      } else s.b = exit
    }
  }

  look(n: Extract<Node, { t: 'look' }>): void {
    const kind = n.ahead ? (n.neg ? LookKind.NotAhead : LookKind.Ahead) : n.neg ? LookKind.NotBehind : LookKind.Behind
    const slot = this.slot()
    const start = this.emit(Op.Look, kind, 0, slot)
    if (!n.ahead) {
      const [min, max] = width(n.body)
      if (max === Infinity) throw new PcreError('length of lookbehind assertion is not limited', n.at ?? 0)
      if (max > MAX_LOOKBEHIND) throw new PcreError('lookbehind assertion is too long', n.at ?? 0)
      this.emit(Op.Back, min, max, slot)
      this.node(n.body)
      this.emit(Op.AtSlot, slot)
    } else this.node(n.body)
    this.emit(Op.Cut)
    start.b = this.pc
  }

  cond(n: Extract<Node, { t: 'cond' }>): void {
    if (n.look !== undefined && n.look.t === 'look') {
      // (?(?=a)X|Y) is (?:(?=a)X|(?!a)Y): the condition is tested once.
      const negated: Node = { ...n.look, neg: !n.look.neg }
      return this.alt([
        { t: 'seq', items: [n.look, n.yes] },
        { t: 'seq', items: [negated, n.no] },
      ])
    }
    const test = this.emit(Op.Cond)
    test.groups = n.groups
    this.node(n.yes)
    const jmp = this.emit(Op.Jmp)
    test.b = this.pc
    this.node(n.no)
    jmp.a = this.pc
  }
}

/** Whether `n` can match the empty string. */
function nullable(n: Node): boolean {
  switch (n.t) {
    case 'char':
    case 'any':
    case 'set':
    case 'fail':
      return false
    case 'seq':
      return n.items.every(nullable)
    case 'alt':
      return n.alts.some(nullable)
    case 'group':
    case 'atomic':
      return nullable(n.body)
    case 'repeat':
      return n.min === 0 || nullable(n.body)
    case 'cond':
      return nullable(n.yes) || nullable(n.no)
    default:
      return true
  }
}

/** The least and most characters `n` can match (most: Infinity when unbounded). */
function width(n: Node): [number, number] {
  switch (n.t) {
    case 'char':
    case 'any':
    case 'set':
      return [1, 1]
    case 'seq': {
      let lo = 0
      let hi = 0
      for (const item of n.items) {
        const [a, b] = width(item)
        lo += a
        hi += b
      }
      return [lo, hi]
    }
    case 'alt': {
      const ws = n.alts.map(width)
      return [Math.min(...ws.map((w) => w[0])), Math.max(...ws.map((w) => w[1]))]
    }
    case 'group':
    case 'atomic':
      return width(n.body)
    case 'repeat': {
      const [a, b] = width(n.body)
      return [a * n.min, n.max === INF ? (b === 0 ? 0 : Infinity) : b * n.max]
    }
    case 'cond': {
      const [a, b] = width(n.yes)
      const [c, d] = width(n.no)
      return [Math.min(a, c), Math.max(b, d)]
    }
    case 'backref':
      return [0, Infinity]
    default:
      return [0, 0]
  }
}

type First = 'empty' | 'consumes' | 'any'

/** Adds to `acc` the bytes a match of `n` can start with. */
function first(n: Node, acc: Uint8Array, utf: boolean): First {
  switch (n.t) {
    case 'char': {
      const cps = n.ci ? (utf && n.c >= 0x80 ? caseVariants(n.c) : [n.c, asciiOther(n.c)]) : [n.c]
      for (const c of cps) acc[utf ? encodeUtf8(c).charCodeAt(0) : c] = 1
      return 'consumes'
    }
    case 'set': {
      const s = n.set
      for (let c = 0; c < (utf ? 0x80 : 256); c++) if (s.has(c)) acc[c] = 1
      if (utf) for (let c = 0xc2; c <= 0xf4; c++) acc[c] = 1
      return 'consumes'
    }
    case 'seq':
      for (const item of n.items) {
        const r = first(item, acc, utf)
        if (r !== 'empty') return r
      }
      return 'empty'
    case 'alt': {
      let result: First = 'consumes'
      for (const a of n.alts) {
        const r = first(a, acc, utf)
        if (r === 'any') return 'any'
        if (r === 'empty') result = 'empty'
      }
      return result
    }
    case 'group':
    case 'atomic':
      return first(n.body, acc, utf)
    case 'repeat': {
      const r = first(n.body, acc, utf)
      return r === 'any' ? 'any' : n.min === 0 ? 'empty' : r
    }
    case 'assert':
    case 'look':
    case 'keep':
    case 'empty':
      return 'empty'
    case 'fail':
      return 'consumes'
    default:
      return 'any'
  }
}

/**
 * Bytes every match of `n` contains, in pattern order (PCRE2's "required code
 * unit", generalised): a subject lacking one cannot match, which spares
 * patterns like (x+x+)+y their backtracking on subjects without a 'y'.
 */
function required(n: Node, utf: boolean): number[] {
  switch (n.t) {
    case 'char':
      if (n.ci && (utf && n.c >= 0x80 ? caseVariants(n.c).length > 1 : asciiOther(n.c) !== n.c)) return []
      return utf ? [...encodeUtf8(n.c)].map((b) => b.charCodeAt(0)) : [n.c]
    case 'seq':
      return n.items.flatMap((i) => required(i, utf))
    case 'alt': {
      const sets = n.alts.map((a) => required(a, utf))
      return sets[0]!.filter((b) => sets.every((s) => s.includes(b)))
    }
    case 'group':
    case 'atomic':
      return required(n.body, utf)
    case 'repeat':
      return n.min > 0 ? required(n.body, utf) : []
  }
  return []
}

/** How every match must start: at offset 0 (^, \A), at the search start (\G), or anywhere. */
function anchor(n: Node): 'start' | 'search' | undefined {
  switch (n.t) {
    case 'assert':
      return n.kind === 'bol' || n.kind === 'A' ? 'start' : n.kind === 'G' ? 'search' : undefined
    case 'seq':
      return n.items.length > 0 ? anchor(n.items[0]!) : undefined
    case 'alt': {
      const kinds = n.alts.map(anchor)
      return kinds.every((k) => k === kinds[0]) ? kinds[0] : undefined
    }
    case 'group':
    case 'atomic':
      return anchor(n.body)
  }
  return undefined
}

/** Groups a backreference or a condition refers to (their `.*` may not be skipped over). */
function referencedGroups(n: Node, out: Set<number>): Set<number> {
  switch (n.t) {
    case 'backref':
      for (const g of n.groups) out.add(g)
      break
    case 'cond':
      for (const g of n.groups) out.add(g)
      if (n.look) referencedGroups(n.look, out)
      referencedGroups(n.yes, out)
      referencedGroups(n.no, out)
      break
    case 'seq':
      for (const i of n.items) referencedGroups(i, out)
      break
    case 'alt':
      for (const a of n.alts) referencedGroups(a, out)
      break
    case 'group':
    case 'atomic':
    case 'repeat':
    case 'look':
      referencedGroups(n.body, out)
      break
  }
  return out
}

/**
 * PCRE2's start-of-line optimisation (is_startline / is_anchored in
 * pcre2_compile.c): when every alternative starts with `.*` (or a multiline
 * `^`), a match can only start where the search starts or after a newline —
 * a match starting mid-line would also match from the line's start, which
 * is tried first — so the other positions are not tried ('line'). With
 * dotall, `.*` crosses lines: only the search start is tried ('start').
 * A `.*` in a group some backreference or condition reads is left alone.
 */
function dotStar(n: Node, referenced: Set<number>): 'line' | 'start' | undefined {
  switch (n.t) {
    case 'repeat':
      return n.body.t === 'any' && n.min === 0 && n.max === INF ? (n.body.nl ? 'start' : 'line') : undefined
    case 'assert':
      return n.kind === 'mbol' ? 'line' : undefined
    case 'seq':
      return n.items.length > 0 ? dotStar(n.items[0]!, referenced) : undefined
    case 'alt': {
      const kinds = n.alts.map((a) => dotStar(a, referenced))
      if (kinds.some((k) => k === undefined)) return undefined
      return kinds.every((k) => k === 'start') ? 'start' : 'line'
    }
    case 'group':
      return n.cap >= 0 && referenced.has(n.cap) ? undefined : dotStar(n.body, referenced)
    case 'atomic':
      return dotStar(n.body, referenced)
  }
  return undefined
}

/** Instructions whose operands are program counters, and which operands. */
function targets(inst: Inst): ('a' | 'b')[] {
  switch (inst.op) {
    case Op.Split:
      return ['a', 'b']
    case Op.Jmp:
      return ['a']
    case Op.LoopCheck:
    case Op.Cond:
    case Op.Look:
      return ['b']
  }
  return []
}

/**
 * Merges runs of Byte instructions into Str instructions (one startsWith
 * instead of one dispatch per byte), keeping every jump target an
 * instruction boundary.
 */
function mergeLiterals(code: Inst[]): Inst[] {
  const isTarget = new Uint8Array(code.length + 1)
  for (const inst of code) for (const k of targets(inst)) isTarget[inst[k]] = 1
  const out: Inst[] = []
  const map = new Int32Array(code.length + 1)
  for (let i = 0; i < code.length; i++) {
    map[i] = out.length
    const inst = code[i]!
    let j = i
    if (inst.op === Op.Byte) while (j + 1 < code.length && code[j + 1]!.op === Op.Byte && !isTarget[j + 1]) j++
    if (j === i) {
      out.push(inst)
      continue
    }
    let lit = ''
    for (let k = i; k <= j; k++) {
      map[k] = out.length
      lit += String.fromCharCode(code[k]!.a)
    }
    const str = new Inst(Op.Str, lit.length)
    str.lit = lit
    out.push(str)
    i = j
  }
  map[code.length] = out.length
  for (const inst of out) for (const k of targets(inst)) inst[k] = map[inst[k]]!
  return out
}

/** After each Rep, the literal byte that must follow it (so backtracking can skip positions). */
function linkFollowers(code: Inst[]): void {
  for (let i = 0; i < code.length; i++) {
    const inst = code[i]!
    if (inst.op !== Op.Rep) continue
    // Saves and marks do not move the position: look past them.
    let k = i + 1
    while (code[k] !== undefined && (code[k]!.op === Op.Save || code[k]!.op === Op.Mark)) k++
    const next = code[k]
    if (next !== undefined && next.op === Op.Byte) inst.g = next.a
    else if (next !== undefined && next.op === Op.Str) inst.g = next.lit.charCodeAt(0)
  }
}

export function compileProgram(parsed: Parsed, utf: boolean, jsCompat: boolean, anchoredOpt: boolean): Program {
  const c = new Compiler(utf, jsCompat, parsed.ncap)
  c.emit(Op.Save, 0)
  c.node(parsed.node)
  c.emit(Op.Save, 1)
  c.emit(Op.Match)
  const code = mergeLiterals(c.code)
  linkFollowers(code)
  const acc = new Uint8Array(256)
  const a = anchor(parsed.node)
  const dots = a === undefined ? dotStar(parsed.node, referencedGroups(parsed.node, new Set())) : undefined
  const tables = c.sets.map((s) => {
    const t = new Uint8Array(256)
    for (let k = 0; k < 256; k++) t[k] = s.has(k) ? 1 : 0
    return t
  })
  return {
    code,
    sets: c.sets,
    tables,
    nslots: c.nslots,
    ncap: parsed.ncap,
    names: parsed.names,
    utf,
    anchored: anchoredOpt || a !== undefined || dots === 'start',
    startOnly: a === 'start',
    startLine: dots === 'line',
    first: first(parsed.node, acc, utf) === 'consumes' ? acc : undefined,
    required: required(parsed.node, utf).pop() ?? -1,
    prefix: code[1]?.op === Op.Str ? code[1].lit : '',
  }
}
