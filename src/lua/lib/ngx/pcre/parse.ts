/**
 * PCRE2 pattern syntax → AST: alternation, groups (capturing, named,
 * non-capturing, atomic, lookarounds, conditionals, inline options and
 * comments), quantifiers (greedy, lazy `?`, possessive `+`, `{n,m}`),
 * anchors, backreferences, `\Q...\E` and extended mode. PCRE2 features the
 * engine does not implement (recursion, subroutine calls, branch reset,
 * callouts, backtracking verbs other than (*FAIL)) are refused with a message
 * that says so, rather than matched differently.
 */
import { INF, PcreError, type AssertKind, type Node, type Parsed, type RepeatMode } from './ast.js'
import { CharSet, classSet, propertySet } from './charset.js'
import { charEscape, classEscape, octal, parseClass, property } from './escape.js'
import { ch, isDigit, isWordChar, Reader, type Flags, type PcreOptions } from './reader.js'

const MAX_REPEAT = 65535
const MAX_NAME = 32
const MAX_DEPTH = 250

export { PcreError }
export type { PcreOptions }

/** Backtracking verbs and start-of-pattern options PCRE2 knows (and this engine refuses). */
const KNOWN_VERBS =
  /^(?:ACCEPT|COMMIT|PRUNE|SKIP|THEN|MARK|)(?::.*)?$|^(?:UTF8?|UCP|CR|LF|CRLF|ANYCRLF|ANY|NUL|BSR_ANYCRLF|BSR_UNICODE|NOTEMPTY|NOTEMPTY_ATSTART|NO_AUTO_POSSESS|NO_DOTSTAR_ANCHOR|NO_JIT|NO_START_OPT|LIMIT_(?:MATCH|DEPTH|HEAP|RECURSION)=\d+)$|^(?:pla|plb|nla|nlb|atomic|sr|asr|napla|naplb|positive_lookahead|negative_lookahead|positive_lookbehind|negative_lookbehind|non_atomic_positive_lookahead|non_atomic_positive_lookbehind|script_run|atomic_script_run):/

const unsupported = (what: string): string => `${what} is not supported by this gateway's regex engine`

class Parser extends Reader {
  ncap = 0
  names: [string, number][] = []
  dupnames: boolean
  depth = 0
  /** Backreferences and conditions to check or resolve once all groups are known. */
  refs: Extract<Node, { t: 'backref' } | { t: 'cond' }>[] = []
  /** Where each named reference's name starts (for the error's offset). */
  refAt = new Map<Node, number>()
  /** The first reference to a missing group: PCRE2 reports it only when the pattern parses. */
  missingRef: number | undefined

  constructor(
    pattern: string,
    opts: PcreOptions,
    readonly totalCaps: number,
  ) {
    super(pattern, opts)
    this.dupnames = opts.dupnames
  }

  parse(): Parsed {
    const flags: Flags = { i: this.opts.caseless, m: this.opts.multiline, s: this.opts.dotall, x: this.opts.extended, xx: false, U: false, n: false }
    const node = this.alternation(flags)
    if (!this.eof) this.fail('unmatched closing parenthesis')
    if (this.missingRef !== undefined) this.fail('reference to non-existent subpattern', this.missingRef)
    for (const r of this.refs) {
      if (r.name === undefined) continue
      r.groups = this.names.filter(([n]) => n === r.name).map(([, g]) => g)
      if (r.groups.length === 0) this.fail('reference to non-existent subpattern', this.refAt.get(r) ?? this.cps.length)
    }
    return { node, ncap: this.ncap, names: this.names }
  }

  alternation(f: Flags): Node {
    const alts = [this.sequence(f)]
    while (this.peek() === 0x7c) {
      this.i++
      alts.push(this.sequence(f))
    }
    return alts.length === 1 ? alts[0]! : { t: 'alt', alts }
  }

  sequence(f: Flags): Node {
    const items: Node[] = []
    for (;;) {
      this.skipExtended(f)
      const c = this.peek()
      if (c < 0 || c === 0x7c || c === 0x29) break
      if (c === 0x5c && this.peek(1) === ch('Q')) {
        this.i += 2
        let last: Node | undefined
        while (!this.eof && !this.lookingAt('\\E')) {
          if (last) items.push(last)
          last = this.literal(this.next(), f)
        }
        if (!this.eof) this.i += 2
        if (last) items.push(this.quantified(last, f))
        continue
      }
      const atom = this.atom(f)
      if (atom !== undefined) items.push(this.quantified(atom, f))
    }
    return items.length === 1 ? items[0]! : items.length === 0 ? { t: 'empty' } : { t: 'seq', items }
  }

  literal(c: number, f: Flags): Node {
    return { t: 'char', c, ci: f.i }
  }

  /** One atom, or undefined for items that match nothing (comments, option settings, \E). */
  atom(f: Flags): Node | undefined {
    const at = this.i
    const c = this.next()
    switch (c) {
      case 0x28:
        return this.group(f)
      case 0x5b:
        return parseClass(this, f)
      case 0x2e:
        return { t: 'any', nl: f.s }
      case 0x5e:
        return { t: 'assert', kind: f.m ? 'mbol' : 'bol' }
      case 0x24:
        return { t: 'assert', kind: f.m ? 'meol' : 'eol' }
      case 0x5c:
        return this.escape(f)
      case 0x2a:
      case 0x2b:
      case 0x3f:
        return this.fail('quantifier does not follow a repeatable item', at)
      case 0x7b:
        this.i = at
        if (this.braces() !== undefined) this.fail('quantifier does not follow a repeatable item', at)
        this.i = at + 1
        return this.literal(c, f)
    }
    return this.literal(c, f)
  }

  /** `{n}`, `{n,}`, `{n,m}`, `{,m}` at the cursor (consumed), or undefined (cursor kept) when '{' is a literal. */
  braces(): [number, number] | undefined {
    const start = this.i
    this.i++
    const min = this.readInt()
    let max = min
    if (this.peek() === 0x2c) {
      this.i++
      max = this.readInt()
      if (max < 0) max = INF
      if (min < 0 && max === INF) {
        this.i = start
        return undefined
      }
    } else if (min < 0) {
      this.i = start
      return undefined
    }
    if (this.peek() !== 0x7d) {
      this.i = start
      return undefined
    }
    this.i++
    const lo = Math.max(min, 0)
    if (lo > MAX_REPEAT || max > MAX_REPEAT) this.fail('number too big in {} quantifier', this.i - 1)
    if (max !== INF && max < lo) this.fail('numbers out of order in {} quantifier', this.i - 1)
    return [lo, max]
  }

  quantified(atom: Node, f: Flags): Node {
    this.skipExtended(f)
    const at = this.i
    const c = this.peek()
    let range: [number, number] | undefined
    if (c === 0x2a) range = [0, INF]
    else if (c === 0x2b) range = [1, INF]
    else if (c === 0x3f) range = [0, 1]
    else if (c === 0x7b) range = this.braces()
    if (range === undefined) return atom
    if (c !== 0x7b) this.i++
    let mode: RepeatMode = f.U ? 'lazy' : 'greedy'
    if (this.peek() === 0x3f) {
      this.i++
      mode = f.U ? 'greedy' : 'lazy'
    } else if (this.peek() === 0x2b) {
      this.i++
      mode = 'possessive'
    }
    if (atom.t === 'assert' || atom.t === 'keep') this.fail('quantifier does not follow a repeatable item', at)
    // A quantified assertion is tried at most once; with a minimum of 0 it is skipped.
    if (atom.t === 'look') return range[0] === 0 ? { t: 'empty' } : atom
    const node: Node = { t: 'repeat', body: atom, min: range[0], max: range[1], mode }
    this.skipExtended(f)
    const n = this.peek()
    if (n === 0x2a || n === 0x2b || n === 0x3f || (n === 0x7b && this.braces() !== undefined)) this.fail('quantifier does not follow a repeatable item', this.i)
    return node
  }

  /** The body of a group and its ')'; `f` is the group's own option state. */
  groupBody(f: Flags): Node {
    if (++this.depth > MAX_DEPTH) this.fail('parentheses are too deeply nested')
    const body = this.alternation(f)
    if (this.peek() !== 0x29) this.fail('missing closing parenthesis', this.cps.length)
    this.i++
    this.depth--
    return body
  }

  capture(f: Flags, name?: string): Node {
    const cap = ++this.ncap
    if (name !== undefined) {
      if (!this.dupnames && this.names.some(([n]) => n === name)) this.fail('two named subpatterns have the same name (PCRE2_DUPNAMES not set)')
      this.names.push([name, cap])
    }
    return { t: 'group', cap, body: this.groupBody({ ...f }) }
  }

  /** A group name up to `end`. */
  name(end: number): string {
    const start = this.i
    if (isDigit(this.peek())) this.fail('subpattern name must start with a non-digit')
    let s = ''
    while (isWordChar(this.peek()) || (this.opts.utf && this.peek() > 0x7f)) s += String.fromCodePoint(this.next())
    if (s.length > MAX_NAME) this.fail(`subpattern name is too long (maximum ${MAX_NAME} code units)`, start)
    if (s === '' || this.peek() !== end)
      this.fail(s === '' && this.peek() !== end ? 'subpattern name expected' : 'syntax error in subpattern name (missing terminator?)')
    this.i++
    return s
  }

  group(f: Flags): Node | undefined {
    if (this.peek() === 0x2a) return this.verb()
    if (this.peek() !== 0x3f) return f.n ? { t: 'group', cap: -1, body: this.groupBody({ ...f }) } : this.capture(f)
    this.i++
    const c = this.next()
    switch (c) {
      case 0x3a:
        return { t: 'group', cap: -1, body: this.groupBody({ ...f }) }
      case 0x3e:
        return { t: 'atomic', body: this.groupBody({ ...f }) }
      case 0x3d:
      case 0x21:
        return { t: 'look', ahead: true, neg: c === 0x21, body: this.groupBody({ ...f }) }
      case 0x7c:
        return this.fail(unsupported('branch reset (?|'))
      case 0x23:
        while (!this.eof && this.peek() !== 0x29) this.i++
        if (this.eof) this.fail('missing ) after (?# comment')
        this.i++
        return undefined
      case 0x3c:
        if (this.peek() === 0x3d || this.peek() === 0x21) {
          const at = this.offs[this.i - 3] ?? 0
          const neg = this.next() === 0x21
          return { t: 'look', ahead: false, neg, body: this.groupBody({ ...f }), at }
        }
        return this.capture(f, this.name(0x3e))
      case 0x27:
        return this.capture(f, this.name(0x27))
      case 0x50: {
        const k = this.next()
        if (k === 0x3c) return this.capture(f, this.name(0x3e))
        if (k === 0x3d) {
          const at = this.i
          return this.namedRef(this.name(0x29), f, at)
        }
        if (k === 0x3e) return this.fail(unsupported('subroutine call (?P>'))
        return this.fail('unrecognized character after (?P', this.i - 1)
      }
      case 0x28:
        return this.conditional(f)
      case 0x26:
      case 0x52:
        return this.fail(unsupported('recursion'))
      case 0x43:
        return this.fail(unsupported('callout (?C'))
    }
    if (isDigit(c) || ((c === 0x2b || c === 0x2d) && isDigit(this.peek()))) return this.fail(unsupported('subroutine call (?n)'))
    this.i--
    return this.options(f)
  }

  /** (?imnsxUJ-imnsx) or (?imnsx-imnsx: ...). */
  options(f: Flags): Node | undefined {
    const set: Flags = { ...f }
    let on = true
    if (this.peek() === 0x5e) {
      this.i++
      set.i = set.m = set.n = set.s = set.x = set.xx = false
    }
    for (;;) {
      const c = this.next()
      switch (c) {
        case ch('i'):
          set.i = on
          break
        case ch('m'):
          set.m = on
          break
        case ch('s'):
          set.s = on
          break
        case ch('n'):
          set.n = on
          break
        case ch('U'):
          set.U = on
          break
        case ch('J'):
          this.dupnames = on
          break
        case ch('x'):
          if (this.peek() === ch('x')) {
            this.i++
            set.xx = on
          }
          set.x = on
          if (!on) set.xx = false
          break
        case 0x2d:
          if (!on) this.fail('invalid hyphen in option setting')
          on = false
          break
        case 0x29:
          Object.assign(f, set)
          return undefined
        case 0x3a:
          return { t: 'group', cap: -1, body: this.groupBody(set) }
        default:
          return this.fail('unrecognized character after (? or (?-', this.i - 1)
      }
    }
  }

  verb(): Node {
    this.i++
    let name = ''
    while (!this.eof && this.peek() !== 0x29) name += String.fromCodePoint(this.next())
    // PCRE2 reads (*lowercase...) as an alphabetic assertion such as (*pla:...).
    if (/^[a-z]/.test(name) && !KNOWN_VERBS.test(name)) this.fail('(*alpha_assertion) not recognized')
    if (this.eof) this.fail('(*VERB) not recognized or malformed')
    if (name === 'FAIL' || name === 'F') {
      this.i++
      return { t: 'fail' }
    }
    if (!KNOWN_VERBS.test(name)) this.fail('(*VERB) not recognized or malformed')
    return this.fail(unsupported(`(*${name})`))
  }

  conditional(f: Flags): Node {
    let cond: Extract<Node, { t: 'cond' }>
    const c = this.peek()
    const condAt = this.i - 1
    if (c === 0x3f && (this.peek(1) === 0x3d || this.peek(1) === 0x21 || (this.peek(1) === 0x3c && (this.peek(2) === 0x3d || this.peek(2) === 0x21)))) {
      const look = this.group({ ...f, n: true }) ?? { t: 'empty' }
      this.i--
      if (this.peek() !== 0x29) this.fail('missing closing parenthesis for condition')
      cond = { t: 'cond', groups: [], look, yes: { t: 'empty' }, no: { t: 'empty' } }
    } else if (isDigit(c) || c === 0x2b || c === 0x2d) {
      const sign = c === 0x2b || c === 0x2d ? this.next() : 0
      let n = this.readInt()
      if (n < 0) this.fail('digit expected after (?+')
      if (sign === 0x2d) n = this.ncap - n + 1
      else if (sign === 0x2b) n = this.ncap + n
      // Unlike a backreference, PCRE2 checks a condition's group at once.
      if (n <= 0 || n > this.totalCaps) this.fail('reference to non-existent subpattern', condAt)
      cond = { t: 'cond', groups: [n], yes: { t: 'empty' }, no: { t: 'empty' } }
    } else if (c === 0x3c || c === 0x27) {
      this.i++
      cond = { t: 'cond', groups: [], name: this.nameUpTo(c === 0x3c ? 0x3e : 0x27), yes: { t: 'empty' }, no: { t: 'empty' } }
      this.refAt.set(cond, condAt)
    } else if (c === 0x52 || this.lookingAt('DEFINE')) {
      return this.fail(unsupported('recursion and DEFINE conditions'))
    } else {
      cond = { t: 'cond', groups: [], name: this.nameUpTo(0x29, false), yes: { t: 'empty' }, no: { t: 'empty' } }
      this.refAt.set(cond, condAt)
    }
    if (this.peek() !== 0x29) this.fail('missing closing parenthesis for condition')
    this.i++
    const body = this.groupBody({ ...f })
    const alts = body.t === 'alt' ? body.alts : [body]
    if (alts.length > 2) this.fail('conditional subpattern contains more than two branches')
    cond.yes = alts[0]!
    cond.no = alts[1] ?? { t: 'empty' }
    if (cond.name !== undefined) this.refs.push(cond)
    return cond
  }

  nameUpTo(end: number, consume = true): string {
    const s = this.name(end)
    if (!consume) this.i--
    return s
  }

  namedRef(name: string, f: Flags, at: number): Node {
    const ref: Node = { t: 'backref', groups: [], name, ci: f.i }
    this.refs.push(ref)
    this.refAt.set(ref, at)
    return ref
  }

  /** A numbered backreference; `at` is where PCRE2 reports a missing group. */
  numberedRef(n: number, f: Flags, at: number): Node {
    if ((n <= 0 || n > this.totalCaps) && this.missingRef === undefined) this.missingRef = at
    return { t: 'backref', groups: [n], ci: f.i }
  }

  escape(f: Flags): Node | undefined {
    const c = this.next()
    if (c < 0) this.fail('\\ at end of pattern', this.cps.length)
    const set = classEscape(c)
    if (set !== undefined) return { t: 'set', set }
    switch (c) {
      case ch('b'):
      case ch('B'):
      case ch('A'):
      case ch('z'):
      case ch('Z'):
      case ch('G'):
        return { t: 'assert', kind: String.fromCharCode(c) as AssertKind }
      case ch('K'):
        return { t: 'keep' }
      case ch('E'):
        return undefined
      case ch('N'):
        if (this.peek() === 0x7b) return this.fail(unsupported('\\N{...}'))
        return { t: 'any', nl: false }
      case ch('R'):
        return linebreak(this.opts.utf)
      case ch('X'):
        return grapheme()
      case ch('p'):
      case ch('P'):
        return { t: 'set', set: property(this, c === ch('P')) }
      case ch('g'):
        return this.gReference(f)
      case ch('k'): {
        const open = this.next()
        const close = open === 0x3c ? 0x3e : open === 0x27 ? 0x27 : open === 0x7b ? 0x7d : -1
        if (close < 0) this.fail('\\k is not followed by a braced, angle-bracketed, or quoted name', this.i - 1)
        const nameAt = this.i
        return this.namedRef(this.name(close), f, nameAt)
      }
    }
    if (c >= 0x31 && c <= 0x39) {
      // PCRE2: a number below 10, starting with 8 or 9, or within the group count is a backreference.
      const start = this.i - 1
      this.i = start
      const n = this.readInt()
      if (n < 10 || c >= 0x38 || n <= this.totalCaps) return this.numberedRef(n, f, start)
      this.i = start + 1
      return this.literal(octal(this, c), f)
    }
    const v = charEscape(this, c)
    if (v !== undefined) return this.literal(v, f)
    if (c === ch('u') || c === ch('U') || c === ch('l') || c === ch('L') || c === ch('F'))
      this.fail('PCRE2 does not support \\F, \\L, \\l, \\N{name}, \\U, or \\u')
    if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) this.fail('unrecognized character follows \\', this.i - 1)
    return this.literal(c, f)
  }

  /** \g1, \g{1}, \g-1, \g{-1}, \g{name}; \g<..> and \g'..' are subroutine calls. */
  gReference(f: Flags): Node {
    let braced = false
    if (this.peek() === 0x3c || this.peek() === 0x27) return this.fail(unsupported('subroutine call \\g<...>'))
    if (this.peek() === 0x7b) {
      braced = true
      this.i++
    }
    let sign = 0
    if (this.peek() === 0x2d || this.peek() === 0x2b) sign = this.next()
    const numAt = this.i
    const n = this.readInt()
    if (n < 0) {
      if (!braced || sign !== 0) this.fail('\\g is not followed by a braced, angle-bracketed, or quoted name/number or by a plain number')
      return this.namedRef(this.name(0x7d), f, numAt)
    }
    if (braced) {
      if (this.peek() !== 0x7d) this.fail('\\g is not followed by a braced, angle-bracketed, or quoted name/number or by a plain number')
      this.i++
    }
    if (sign === 0x2d) {
      if (n === 0) this.fail('a relative value of zero is not allowed')
      return this.numberedRef(this.ncap - n + 1, f, numAt)
    }
    if (sign === 0x2b) return this.fail(unsupported('forward relative reference \\g+n'))
    return this.numberedRef(n, f, numAt)
  }
}

/** \R: any Unicode newline sequence, CRLF as one. */
function linebreak(utf: boolean): Node {
  const set = new CharSet()
  for (const c of [0x0a, 0x0b, 0x0c, 0x0d, 0x85]) set.addChar(c)
  if (utf) set.addRange(0x2028, 0x2029)
  const crlf: Node = {
    t: 'seq',
    items: [
      { t: 'char', c: 0x0d, ci: false },
      { t: 'char', c: 0x0a, ci: false },
    ],
  }
  return { t: 'atomic', body: { t: 'alt', alts: [crlf, { t: 'set', set }] } }
}

/** \X, approximated: CRLF, or one character followed by combining marks. */
function grapheme(): Node {
  const crlf: Node = {
    t: 'seq',
    items: [
      { t: 'char', c: 0x0d, ci: false },
      { t: 'char', c: 0x0a, ci: false },
    ],
  }
  const marks = propertySet('M', false) ?? classSet('d', true)
  const one: Node = {
    t: 'seq',
    items: [
      { t: 'any', nl: true },
      { t: 'repeat', body: { t: 'set', set: marks }, min: 0, max: INF, mode: 'greedy' },
    ],
  }
  return { t: 'atomic', body: { t: 'alt', alts: [crlf, one] } }
}

/** Capturing groups in the pattern (for PCRE2's "\10 is a backreference when there are 10 groups" rule). */
function countCaptures(r: Reader): number {
  let n = 0
  let inClass = false
  for (let i = 0; i < r.cps.length; i++) {
    const c = r.cps[i]!
    if (c === 0x5c) i++
    else if (inClass) inClass = c !== 0x5d
    else if (c === 0x5b) {
      inClass = true
      if (r.cps[i + 1] === 0x5e) i++
      if (r.cps[i + 1] === 0x5d) i++
    } else if (c === 0x28) {
      const d = r.cps[i + 1]
      const e = r.cps[i + 2]
      // "(?(" opens a condition, not a group.
      if (d === 0x3f && e === 0x28) i += 2
      else if (d !== 0x3f && d !== 0x2a) n++
      else if (d === 0x3f && (e === 0x27 || (e === 0x3c && r.cps[i + 3] !== 0x3d && r.cps[i + 3] !== 0x21) || (e === 0x50 && r.cps[i + 3] === 0x3c))) n++
    }
  }
  return n
}

/** Parses `pattern` (a byte string); throws PcreError. */
export function parsePattern(pattern: string, opts: PcreOptions): Parsed {
  const total = countCaptures(new Reader(pattern, opts))
  return new Parser(pattern, opts, total).parse()
}
