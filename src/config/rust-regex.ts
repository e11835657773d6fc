/**
 * Route regexes in Kong's dialect. Kong's router (traditional_compatible and
 * expressions) compiles route path and `~*` header regexes with Rust's `regex`
 * crate, after rewriting `?<` to `?P<` (kong/router/transform.lua). This module
 * reads that syntax and writes the JavaScript regex that matches the same
 * strings, or returns the problem Rust's parser would report, worded as its
 * error kinds are, so a file valid here is valid in Kong:
 *
 * - refused as Rust refuses them: look-around, back-references, unknown
 *   escapes (`\e`, `\k<x>`, `\c`), a `{` that is not a counted repetition,
 *   unclosed classes and groups;
 * - translated: `(?P<name>` groups, `\A`, `\z`, `\x{..}`, `\u{..}`, `\U`,
 *   `\pL`, `[[:alpha:]]`, `(?i)`, `(?s)` or `(?m)` at top level before any
 *   letter (`~/(?i)api`), and Rust's Unicode
 *   meaning of `.`, `\d`, `\w`, `\s` and `\b` (the result uses the `u` flag);
 * - refused because JavaScript (Node 20) cannot express them: other inline
 *   flags (`(?x)`, `(?U)`, `(?-i)`, `/a(?i)b`, `(?i:...)`), class set operations (`&&`,
 *   `--`, `~~`) and nested classes. These say "not supported by this gateway"
 *   and are listed in the README's known differences.
 *
 * Compiled once per route when the config is compiled; never on a request.
 */

export type RustRegex = { ok: true; source: string; flags: string } | { ok: false; error: string }

const BACKREFERENCE = 'backreferences are not supported'
const LOOK_AROUND = 'look-around, including look-ahead and look-behind, is not supported'
const UNRECOGNIZED_ESCAPE = 'unrecognized escape sequence'
const EOF_ESCAPE = 'incomplete escape sequence, reached end of pattern prematurely'
const CLASS_UNCLOSED = 'unclosed character class'
const GROUP_UNCLOSED = 'unclosed group'
const GROUP_UNOPENED = 'unopened group'
const REPETITION_MISSING = 'repetition operator missing expression'
const REPETITION_UNCLOSED = 'unclosed counted repetition'
const REPETITION_DECIMAL = 'repetition quantifier expects a valid decimal'
const REPETITION_INVALID = 'invalid repetition count range, the start must be <= the end'
const NAME_INVALID = 'invalid capture group character'
const NAME_EMPTY = 'empty capture group name'
const NAME_EOF = 'unclosed capture group name'
const NAME_DUPLICATE = 'duplicate capture group name'
const FLAG_UNRECOGNIZED = 'unrecognized flag'
const UNICODE_CLASS = 'invalid Unicode character class'
const HEX_INVALID = 'invalid hexadecimal digit'
const CLASS_RANGE = 'invalid character class range, the start must be <= the end'
const unsupported = (what: string) => `${what} is valid in Kong but not supported by this gateway`

// Rust's Unicode-aware perl classes, spelled for a JavaScript `u` regex.
const WORD = '\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}'
const PERL: Record<string, { inClass: string; alone: string }> = {
  d: { inClass: '\\p{Nd}', alone: '\\p{Nd}' },
  D: { inClass: '', alone: '\\P{Nd}' },
  s: { inClass: '\\p{White_Space}', alone: '\\p{White_Space}' },
  S: { inClass: '', alone: '\\P{White_Space}' },
  w: { inClass: WORD, alone: `[${WORD}]` },
  W: { inClass: '', alone: `[^${WORD}]` },
}
const WORD_BOUNDARY = `(?:(?<=[${WORD}])(?![${WORD}])|(?<![${WORD}])(?=[${WORD}]))`
const NOT_WORD_BOUNDARY = `(?:(?<=[${WORD}])(?=[${WORD}])|(?<![${WORD}])(?![${WORD}]))`

// Rust's ASCII classes ([[:alpha:]] inside a bracket).
const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
}

const SIMPLE_ESCAPES: Record<string, number> = { a: 0x07, f: 0x0c, t: 0x09, n: 0x0a, r: 0x0d, v: 0x0b }
const META = new Set('\\.+*?()|[]{}^$#&-~'.split(''))

class Fail {
  constructor(readonly message: string) {}
}

/** A literal code point written so a JavaScript `u` regex reads it as itself, in or out of a class. */
function literal(cp: number, inClass = false): string {
  const ch = String.fromCodePoint(cp)
  // A `u` regex allows `\-` only inside a class, and every other identity escape only for syntax characters.
  if ('\\^$.*+?()[]{}|/'.includes(ch) || (inClass && ch === '-')) return `\\${ch}`
  if (cp < 0x20 || cp === 0x7f) return `\\x${cp.toString(16).padStart(2, '0')}`
  return ch
}

/** Rust's escapable characters: its meta characters and any ASCII punctuation but `<` and `>`. */
function escapable(ch: string): boolean {
  if (META.has(ch)) return true
  const cp = ch.codePointAt(0)!
  if (cp > 0x7f) return false
  return !/[0-9A-Za-z<>]/.test(ch)
}

function validUnicodeProperty(p: string): boolean {
  try {
    new RegExp(`\\p{${p}}`, 'u')
    return true
  } catch {
    return false
  }
}

/** Rust accepts loose names (`\p{Greek}`, `\p{sc=Greek}`, `\p{L}`); the ones JavaScript has a spelling for. */
function unicodeClass(name: string, negated: boolean): string {
  const bare = name.replace(/[\s_-]/g, '')
  const m = /^([^:=!]+)(!?[:=])(.+)$/.exec(name)
  const candidates: string[] = []
  if (m) {
    const key = m[1]!.trim().toLowerCase()
    const prop =
      key === 'sc' || key === 'script'
        ? 'Script'
        : key === 'scx' || key === 'scriptextensions'
          ? 'Script_Extensions'
          : key === 'gc' || key === 'generalcategory'
            ? 'General_Category'
            : undefined
    if (prop) candidates.push(`${prop}=${m[3]!.trim()}`)
    if (m[2]!.startsWith('!')) negated = !negated
  } else candidates.push(name, bare, `Script=${name}`, `Script=${bare}`)
  const found = candidates.find(validUnicodeProperty)
  if (!found) throw new Fail(UNICODE_CLASS)
  return `\\${negated ? 'P' : 'p'}{${found}}`
}

class Parser {
  private i = 0
  private readonly names = new Set<string>()
  private readonly cps: string[]
  private dotAll = false

  constructor(source: string) {
    this.cps = [...source]
  }

  private get done(): boolean {
    return this.i >= this.cps.length
  }
  private peek(k = 0): string | undefined {
    return this.cps[this.i + k]
  }
  private next(): string {
    const c = this.cps[this.i++]
    if (c === undefined) throw new Fail(EOF_ESCAPE)
    return c
  }
  private startsWith(s: string): boolean {
    return this.cps.slice(this.i, this.i + s.length).join('') === s
  }

  /** The JavaScript flags: `u`, plus the inline flags that could be made global. */
  private flags = new Set(['u'])

  run(): { source: string; flags: string } {
    const out = this.alternation(0)
    if (!this.done) throw new Fail(GROUP_UNOPENED)
    return { source: out, flags: [...this.flags].sort().join('') }
  }

  private alternation(depth: number): string {
    let out = ''
    let atomEnd = false // whether the last item can take a repetition
    while (!this.done) {
      const c = this.peek()!
      if (c === ')') {
        if (depth === 0) throw new Fail(GROUP_UNOPENED)
        return out
      }
      if (c === '|') {
        this.i++
        out += '|'
        atomEnd = false
        continue
      }
      if (c === '*' || c === '+' || c === '?' || c === '{') {
        if (!atomEnd) throw new Fail(REPETITION_MISSING)
        out += this.repetition()
        atomEnd = false
        continue
      }
      const item = this.atom(depth)
      out += item.text
      atomEnd = item.repeatable
    }
    if (depth > 0) throw new Fail(GROUP_UNCLOSED)
    return out
  }

  private repetition(): string {
    const c = this.next()
    let out: string
    if (c === '{') {
      const m = /^\{\s*(\d*)\s*(?:(,)\s*(\d*)\s*)?\}/.exec(this.cps.slice(this.i - 1, this.i + 40).join(''))
      if (!m) throw new Fail(this.cps.slice(this.i).includes('}') ? REPETITION_DECIMAL : REPETITION_UNCLOSED)
      if (m[1] === '') throw new Fail(REPETITION_DECIMAL)
      const min = Number(m[1])
      const max = m[2] === undefined ? min : m[3] === '' ? undefined : Number(m[3])
      if (max !== undefined && min > max) throw new Fail(REPETITION_INVALID)
      this.i += m[0].length - 1
      out = `{${min}${m[2] === undefined ? '' : `,${max ?? ''}`}}`
    } else out = c
    if (this.peek() === '?') {
      this.i++
      out += '?'
    }
    return out
  }

  private atom(depth: number): { text: string; repeatable: boolean } {
    const c = this.next()
    switch (c) {
      case '(':
        return this.group(depth)
      case '[':
        return { text: this.klass(), repeatable: true }
      case '\\':
        return this.escape()
      case '.':
        // Rust's `.` is any code point but \n (any at all under `s`); JavaScript's also stops at \r, U+2028 and U+2029.
        return { text: this.dotAll ? '[^]' : '[^\\n]', repeatable: true }
      case '^':
      case '$':
        return { text: c, repeatable: true }
      default:
        return { text: literal(c.codePointAt(0)!), repeatable: true }
    }
  }

  private group(depth: number): { text: string; repeatable: boolean } {
    const start = this.i - 1
    let open = '('
    if (this.peek() === '?') {
      this.i++
      if (this.startsWith('=') || this.startsWith('!') || this.startsWith('<=') || this.startsWith('<!') || this.startsWith('P<=') || this.startsWith('P<!'))
        throw new Fail(LOOK_AROUND)
      if (this.startsWith('P<') || this.startsWith('<')) {
        this.i += this.peek() === 'P' ? 2 : 1
        open = `(?<${this.groupName()}>`
      } else if (this.peek() === ':') {
        this.i++
        open = '(?:'
      } else {
        // Inline flags: Rust applies them from here to the end of the group (or inside `(?flags:...)`).
        // JavaScript (Node 20) has no inline flags; `(?i)`, `(?s)` and `(?m)` at top level become
        // the regex's flags when nothing before them could tell the difference (Kong paths such as
        // `~/(?i)api` start with `/`).
        const m = /^([a-zA-Z-]*)([:)])/.exec(this.cps.slice(this.i, this.i + 20).join(''))
        if (!m) throw new Fail(this.done ? 'expected flag but got end of regex' : FLAG_UNRECOGNIZED)
        for (const f of m[1]!) if (!'imsUuxR-'.includes(f)) throw new Fail(FLAG_UNRECOGNIZED)
        const before = this.cps.slice(0, start).join('')
        if (m[2] === ')' && depth === 0 && /^[ims]+$/.test(m[1]!) && !/[\p{Lu}\p{Ll}\p{Lt}^$.]/u.test(before.replace(/\\[dDwWsS]/g, ''))) {
          this.i += m[0].length
          for (const f of m[1]!) this.flags.add(f)
          if (m[1]!.includes('s')) this.dotAll = true
          return { text: '', repeatable: false }
        }
        throw new Fail(unsupported('an inline flag (other than i, m or s before any letter)'))
      }
    }
    const inner = this.alternation(depth + 1)
    if (this.peek() !== ')') throw new Fail(GROUP_UNCLOSED)
    this.i++
    return { text: `${open}${inner})`, repeatable: true }
  }

  private groupName(): string {
    let name = ''
    for (;;) {
      if (this.done) throw new Fail(NAME_EOF)
      const c = this.next()
      if (c === '>') break
      name += c
    }
    if (name === '') throw new Fail(NAME_EMPTY)
    if (!/^[\p{L}_][\p{L}\p{N}_.[\]]*$/u.test(name)) throw new Fail(NAME_INVALID)
    if (/[.[\]]/.test(name)) throw new Fail(unsupported(`the capture group name '${name}'`))
    if (this.names.has(name)) throw new Fail(NAME_DUPLICATE)
    this.names.add(name)
    return name
  }

  /** An escape outside a class. */
  private escape(): { text: string; repeatable: boolean } {
    if (this.done) throw new Fail(EOF_ESCAPE)
    const c = this.peek()!
    switch (c) {
      case 'A':
        this.i++
        return { text: '^', repeatable: true }
      case 'z':
        this.i++
        return { text: '$', repeatable: true }
      case 'b':
        this.i++
        if (this.peek() === '{') throw new Fail(unsupported('a \\b{...} boundary'))
        return { text: WORD_BOUNDARY, repeatable: true }
      case 'B':
        this.i++
        return { text: NOT_WORD_BOUNDARY, repeatable: true }
    }
    if (PERL[c]) {
      this.i++
      return { text: PERL[c].alone, repeatable: true }
    }
    if (c === 'p' || c === 'P') return { text: this.unicode(), repeatable: true }
    return { text: literal(this.escapedCodePoint()), repeatable: true }
  }

  private unicode(): string {
    const negated = this.next() === 'P'
    if (this.done) throw new Fail(EOF_ESCAPE)
    if (this.peek() !== '{') return unicodeClass(this.next(), negated)
    this.i++
    let name = ''
    while (this.peek() !== '}') {
      if (this.done) throw new Fail(UNICODE_CLASS)
      name += this.next()
    }
    this.i++
    return unicodeClass(name, negated)
  }

  /** The code point of a literal escape (`\n`, `\x41`, `\u{1F600}`, `\.`), or Rust's error. */
  private escapedCodePoint(): number {
    const c = this.next()
    if (c >= '0' && c <= '7') throw new Fail(BACKREFERENCE)
    if (SIMPLE_ESCAPES[c] !== undefined) return SIMPLE_ESCAPES[c]
    if (c === 'x' || c === 'u' || c === 'U') {
      const width = c === 'x' ? 2 : c === 'u' ? 4 : 8
      let hex = ''
      if (this.peek() === '{') {
        this.i++
        while (this.peek() !== '}') {
          if (this.done) throw new Fail(EOF_ESCAPE)
          hex += this.next()
        }
        this.i++
        if (hex === '') throw new Fail('hexadecimal literal empty')
      } else for (let k = 0; k < width; k++) hex += this.next()
      if (!/^[0-9A-Fa-f]+$/.test(hex)) throw new Fail(HEX_INVALID)
      const cp = parseInt(hex, 16)
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new Fail('hexadecimal literal is not a Unicode scalar value')
      return cp
    }
    if (escapable(c)) return c.codePointAt(0)!
    throw new Fail(UNRECOGNIZED_ESCAPE)
  }

  /** A bracketed class, after its `[`. */
  private klass(): string {
    let out = '['
    if (this.peek() === '^') {
      this.i++
      out += '^'
    }
    // A `]` first is a literal, as in Rust (JavaScript would read `[]` as an empty class).
    if (this.peek() === ']') {
      this.i++
      out += '\\]'
    }
    let prev: number | undefined // the last single code point, a possible range start
    for (;;) {
      if (this.done) throw new Fail(CLASS_UNCLOSED)
      const c = this.next()
      if (c === ']') return `${out}]`
      if (c === '[') {
        const m = /^:(\^?)([a-z]+):\]/.exec(this.cps.slice(this.i, this.i + 12).join(''))
        if (!m || POSIX[m[2]!] === undefined) throw new Fail(unsupported('a nested character class'))
        if (m[1]) throw new Fail(unsupported('a negated ASCII class'))
        this.i += m[0].length
        out += POSIX[m[2]!]
        prev = undefined
        continue
      }
      if ((c === '&' || c === '~' || c === '-') && this.peek() === c && this.peek(1) !== ']') {
        throw new Fail(unsupported('a character class set operation'))
      }
      if (c === '-' && prev !== undefined && this.peek() !== ']') {
        const end = this.classCodePoint()
        if (end === undefined) throw new Fail('invalid range boundary, must be a literal')
        if (end < prev) throw new Fail(CLASS_RANGE)
        out += `-${literal(end, true)}`
        prev = undefined
        continue
      }
      this.i--
      const cp = this.classCodePoint()
      if (cp === undefined) {
        out += this.classEscape()
        prev = undefined
      } else {
        out += literal(cp, true)
        prev = cp
      }
    }
  }

  /** The next single code point in a class, or undefined when it is a class escape (`\d`, `\pL`). */
  private classCodePoint(): number | undefined {
    const c = this.next()
    if (c !== '\\') return c.codePointAt(0)!
    if (this.done) throw new Fail(EOF_ESCAPE)
    const e = this.peek()!
    if (PERL[e] || e === 'p' || e === 'P') {
      this.i--
      return undefined
    }
    if ('AzbB'.includes(e)) throw new Fail('invalid escape sequence found in character class')
    return this.escapedCodePoint()
  }

  private classEscape(): string {
    this.i++ // the backslash
    const e = this.peek()!
    if (e === 'p' || e === 'P') return this.unicode()
    this.i++
    const perl = PERL[e]!
    if (perl.inClass !== '') return perl.inClass
    throw new Fail(unsupported(`a negated class escape \\${e} inside brackets`))
  }
}

/** Kong's regex text (without the leading `~`) as a JavaScript regex, or Rust's error. */
export function translateRustRegex(source: string): RustRegex {
  try {
    const { source: js, flags } = new Parser(source).run()
    new RegExp(js, flags) // a construct the translation got wrong fails here, not at request time
    return { ok: true, source: js, flags }
  } catch (err) {
    if (err instanceof Fail) return { ok: false, error: err.message }
    return { ok: false, error: (err as Error).message.replace(/^Invalid regular expression: \/[\s\S]*\/[a-z]*: /, '') }
  }
}
