/**
 * One decK template action, the text between `${{` and `}}`, read and run as
 * Go's text/template runs it with the functions decK registers
 * (Kong/go-database-reconciler pkg/file/template.go): `env "DECK_X"`, `toInt`,
 * `toFloat`, `toBool` (strconv's Atoi, ParseFloat, ParseBool) and `indent N`,
 * in pipelines (`env "DECK_X" | indent 4`) or calls (`indent 4 (env "DECK_X")`),
 * with string, raw-string, number and boolean literals. What a Go template may
 * hold beyond that (if/range/with, variables, `.`, Go's own functions such as
 * printf) is refused with a message saying so: no decK file seen needs them.
 *
 * Pure: the lexer finds where an action ends (`}}` outside a string, `-}}`
 * trimming what follows), `runAction` gives the text Go would print or the
 * reasons it cannot. Messages are Go's and decK's, without Go's
 * `template: state:L:C:` prefix (the loader gives the file's line and column),
 * and never with a variable's value: those are secrets.
 */

type Value = { t: 'string'; v: string } | { t: 'int'; v: bigint } | { t: 'float'; v: number } | { t: 'bool'; v: boolean }

type Token =
  | { k: 'string'; v: string; src: string }
  | { k: 'number'; src: string }
  | { k: 'ident'; v: string }
  | { k: 'bool'; v: boolean }
  | { k: '|' | '(' | ')' }
  | { k: 'other'; src: string }

/** Where an action ends and what it holds; `error` when Go's lexer stops on it. */
export interface LexedAction {
  /** Offset just past the closing `}}`, or of the end of the text when the action is unclosed. */
  end: number
  /** `-}}`: Go drops the blanks that follow. */
  trimRight: boolean
  /** `${{/* ... *\/}}`: prints nothing. */
  comment: boolean
  tokens: Token[]
  error?: string
}

const RIGHT = '}}'
const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n'
const isAlnum = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{Nd}_]/u.test(c)

/** `${{- ` at `at` (the offset of `${{`): Go trims the blanks before the action. */
export function hasLeftTrim(text: string, at: number): boolean {
  return text[at + 3] === '-' && isBlank(text[at + 4])
}

/** Go's lexer over one action, from just after `${{` (and its trim marker). */
export function lexAction(text: string, start: number): LexedAction {
  const tokens: Token[] = []
  const atRight = (i: number): { end: number; trim: boolean } | undefined => {
    if (isBlank(text[i]) && text[i + 1] === '-' && text.startsWith(RIGHT, i + 2)) return { end: i + 4, trim: true }
    if (text.startsWith(RIGHT, i)) return { end: i + 2, trim: false }
    return undefined
  }
  const fail = (error: string, at: number): LexedAction => {
    // Resume after the next `}}`: the rest of the file is still read, as text.
    const close = text.indexOf(RIGHT, at)
    return { end: close < 0 ? text.length : close + 2, trimRight: false, comment: false, tokens, error }
  }
  let i = start
  if (text.startsWith('/*', i)) {
    const close = text.indexOf('*/', i + 2)
    if (close < 0) return fail('unclosed comment', i)
    const right = atRight(close + 2)
    if (!right) return fail('comment ends before closing delimiter', close)
    return { end: right.end, trimRight: right.trim, comment: true, tokens }
  }
  for (;;) {
    const right = atRight(i)
    if (right) return { end: right.end, trimRight: right.trim, comment: false, tokens }
    const c = text[i]
    if (c === undefined) return fail('unclosed action', i)
    if (isBlank(c)) {
      i++
      continue
    }
    if (c === '|' || c === '(' || c === ')') {
      tokens.push({ k: c as '|' | '(' | ')' })
      i++
    } else if (c === '"') {
      let j = i + 1
      while (j < text.length && text[j] !== '"' && text[j] !== '\n') j += text[j] === '\\' && text[j + 1] !== '\n' ? 2 : 1
      if (text[j] !== '"') return fail('unterminated quoted string', i)
      const src = text.slice(i, j + 1)
      const v = unquote(src)
      if (v === undefined) return fail(`invalid syntax: ${src}`, i)
      tokens.push({ k: 'string', v, src })
      i = j + 1
    } else if (c === '`') {
      const j = text.indexOf('`', i + 1)
      if (j < 0) return fail('unterminated raw quoted string', i)
      const src = text.slice(i, j + 1)
      tokens.push({ k: 'string', v: src.slice(1, -1).replaceAll('\r', ''), src })
      i = j + 1
    } else if (c === '+' || c === '-' || (c >= '0' && c <= '9')) {
      let j = i + 1
      while (j < text.length && (isAlnum(text[j]) || text[j] === '.' || ((text[j] === '+' || text[j] === '-') && /[eEpP]/.test(text[j - 1]!)))) j++
      const src = text.slice(i, j)
      if (parseNumber(src) === undefined) return fail(`bad number syntax: "${src}"`, i)
      tokens.push({ k: 'number', src })
      i = j
    } else if (isAlnum(c)) {
      let j = i + 1
      while (isAlnum(text[j])) j++
      const word = text.slice(i, j)
      tokens.push(word === 'true' || word === 'false' ? { k: 'bool', v: word === 'true' } : { k: 'ident', v: word })
      i = j
    } else {
      // `$x`, `.Field`, `:=`, `'c'`...: Go has a meaning for them, decK's files no use.
      tokens.push({ k: 'other', src: c })
      i++
    }
  }
}

/** A Go interpreted string literal's value, or undefined when strconv.Unquote would refuse it. */
function unquote(src: string): string | undefined {
  let out = ''
  for (let i = 1; i < src.length - 1; i++) {
    const c = src[i]!
    if (c !== '\\') {
      out += c
      continue
    }
    const e = src[++i]
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"' }
    if (e !== undefined && e in simple) out += simple[e]
    else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8
      const hex = src.slice(i + 1, i + 1 + n)
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) return undefined
      const code = parseInt(hex, 16)
      if (e === 'x') out += String.fromCharCode(code)
      else if (code > 0x10ffff || (code >= 0xd800 && code < 0xe000)) return undefined
      else out += String.fromCodePoint(code)
      i += n
    } else if (e !== undefined && e >= '0' && e <= '7') {
      const oct = src.slice(i, i + 3)
      if (!/^[0-7]{3}$/.test(oct) || parseInt(oct, 8) > 255) return undefined
      out += String.fromCharCode(parseInt(oct, 8))
      i += 2
    } else return undefined
  }
  return out
}

/** A Go number literal as text/template reads it: an integer when it has an integral value. */
function parseNumber(src: string): { int?: bigint; float?: number } | undefined {
  const body = src.replace(/^[+-]/, '')
  const neg = src.startsWith('-')
  if (/^(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|[0-9][0-9_]*)$/.test(body) && !/__|_$/.test(body)) {
    const digits = body.replaceAll('_', '')
    // `017` is octal in Go; BigInt reads 0x, 0o and 0b itself.
    const n = BigInt(/^0[0-7]+$/.test(digits) ? `0o${digits.slice(1)}` : digits)
    return { int: neg ? -n : n }
  }
  const f = goParseFloat(src)
  if (f === undefined || !Number.isFinite(f)) return undefined
  return Number.isInteger(f) ? { int: BigInt(f), float: f } : { float: f }
}

const FUNCS: Record<string, readonly ('string' | 'int')[]> = {
  env: ['string'],
  toInt: ['string'],
  toFloat: ['string'],
  toBool: ['string'],
  indent: ['int', 'string'],
}

/** Go's own template functions: defined in a decK file, not here. */
const GO_BUILTINS = new Set([
  'and',
  'call',
  'html',
  'index',
  'slice',
  'js',
  'len',
  'not',
  'or',
  'print',
  'printf',
  'println',
  'urlquery',
  'eq',
  'ge',
  'gt',
  'le',
  'lt',
  'ne',
])
const GO_KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue', 'nil'])

const SUPPORTED = 'decK files here may use env, toInt, toFloat, toBool and indent'

const MAX_DEPTH = 500

type Operand = { k: 'lit'; token: Token } | { k: 'pipe'; pipe: Command[] } | { k: 'fn'; name: string }
type Command = Operand[]

/** The action's pipeline, or Go's parse error. */
function parse(tokens: readonly Token[]): Command[] | string {
  let i = 0
  let depth = 0
  const pipeline = (inParen: boolean): Command[] | string => {
    const commands: Command[] = []
    let command: Command = []
    for (;;) {
      const t = tokens[i]
      if (t === undefined || t.k === ')') {
        if (t === undefined && inParen) return 'unclosed left paren'
        if (t !== undefined && !inParen) return 'unexpected right paren'
        if (command.length === 0) return commands.length === 0 ? 'missing value for command' : 'missing command after |'
        commands.push(command)
        if (t !== undefined) i++
        return commands
      }
      i++
      if (t.k === '|') {
        if (command.length === 0) return 'missing value for command'
        commands.push(command)
        command = []
      } else if (t.k === '(') {
        // Go's parser stops at 10000; JavaScript's stack would overflow first.
        if (++depth > MAX_DEPTH) return 'max expression depth exceeded'
        const inner = pipeline(true)
        if (typeof inner === 'string') return inner
        command.push({ k: 'pipe', pipe: inner })
      } else if (t.k === 'ident') {
        if (GO_KEYWORDS.has(t.v)) return `'${t.v}' is not supported: ${SUPPORTED}`
        if (GO_BUILTINS.has(t.v)) return `function "${t.v}" is not supported: ${SUPPORTED}`
        if (!(t.v in FUNCS)) return `function "${t.v}" not defined`
        command.push({ k: 'fn', name: t.v })
      } else if (t.k === 'other') {
        return `'${t.src}' is not supported: ${SUPPORTED}`
      } else command.push({ k: 'lit', token: t })
    }
  }
  return pipeline(false)
}

/** How `env` and the conversions behave: decK's real functions, or its mock mode (what `deck file render` prints without `--populate-env-vars`). */
export interface Env {
  get(name: string): string | undefined
  mock: boolean
}

/** What Go prints for a value (fmt's %v). */
function print(v: Value): string {
  if (v.t === 'string') return v.v
  if (v.t === 'int') return v.v.toString()
  if (v.t === 'bool') return String(v.v)
  return goFloat(v.v)
}

/** fmt's %v of a float64: strconv's shortest 'g', with %e from an exponent of 6 or below -4. */
export function goFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (x === Infinity) return '+Inf'
  if (x === -Infinity) return '-Inf'
  if (x === 0) return Object.is(x, -0) ? '-0' : '0'
  const [mantissa, e] = x.toExponential().split('e') as [string, string]
  const exp = Number(e)
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`
  return String(x)
}

/** What `indent` may add to a value: far beyond any certificate, well below what a string can hold. */
const MAX_INDENT = 16n * 1024n * 1024n

const INT64_MAX = 2n ** 63n - 1n
const INT64_MIN = -(2n ** 63n)

/** strconv.ParseFloat(s, 64) for a value it accepts, NaN/±Inf included; undefined for a syntax error. */
function goParseFloat(s: string): number | undefined {
  const special = /^([+-]?)(inf|infinity)$/i.exec(s)
  if (special) return special[1] === '-' ? -Infinity : Infinity
  if (/^nan$/i.test(s)) return NaN
  const m = /^([+-]?)((?:[0-9_]+\.?[0-9_]*|\.[0-9_]+)(?:[eE][+-]?[0-9_]+)?)$/.exec(s)
  if (m) {
    // Underscores only between digits (strconv's underscoreOK).
    if (/(^|[^0-9])_|_($|[^0-9])/.test(m[2]!)) return undefined
    return Number(`${m[1]}${m[2]!.replaceAll('_', '')}`)
  }
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?[0-9]+)$/.exec(s)
  if (hex && (hex[2] !== '' || hex[3] !== '')) {
    const mant = parseInt(`${hex[2]}${hex[3]}` || '0', 16) / 16 ** hex[3]!.length
    const v = mant * 2 ** Number(hex[4])
    return hex[1] === '-' ? -v : v
  }
  return undefined
}

type Result = { ok: true; value: Value } | { ok: false; error: string }

function call(name: string, args: Value[], env: Env, secrets: string[]): Result {
  const str = (i: number) => (args[i] as { v: string }).v
  const fail = (why: string): Result => ({ ok: false, error: `error calling ${name}: ${why}` })
  switch (name) {
    case 'env': {
      const key = str(0)
      if (!key.startsWith('DECK_')) return { ok: false, error: `environment variables in the state file must be prefixed with 'DECK_', found: '${key}'` }
      if (env.mock) return { ok: true, value: { t: 'string', v: key } }
      const value = env.get(key)
      // decK's own words, bare (Go would prefix `error calling env:`): what decK users search for.
      if (value === undefined) return { ok: false, error: `environment variable '${key}' present in state file but not set` }
      if (value !== '') secrets.push(value)
      return { ok: true, value: { t: 'string', v: value } }
    }
    case 'toInt': {
      if (env.mock) return { ok: true, value: { t: 'int', v: 42n } }
      const s = str(0)
      if (!/^[+-]?[0-9]+$/.test(s)) return fail('strconv.Atoi: parsing "<redacted>": invalid syntax')
      const n = BigInt(s)
      if (n > INT64_MAX || n < INT64_MIN) return fail('strconv.Atoi: parsing "<redacted>": value out of range')
      return { ok: true, value: { t: 'int', v: n } }
    }
    case 'toFloat': {
      if (env.mock) return { ok: true, value: { t: 'float', v: 42 } }
      const f = goParseFloat(str(0))
      if (f === undefined) return fail('strconv.ParseFloat: parsing "<redacted>": invalid syntax')
      // Overflow is ErrRange in Go; "inf" itself is a valid input.
      if (!Number.isFinite(f) && !/inf/i.test(str(0))) return fail('strconv.ParseFloat: parsing "<redacted>": value out of range')
      return { ok: true, value: { t: 'float', v: f } }
    }
    case 'toBool': {
      if (env.mock) return { ok: true, value: { t: 'bool', v: false } }
      const s = str(0)
      if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return { ok: true, value: { t: 'bool', v: true } }
      if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return { ok: true, value: { t: 'bool', v: false } }
      return fail('strconv.ParseBool: parsing "<redacted>": invalid syntax')
    }
    default: {
      const n = (args[0] as { v: bigint }).v
      if (n < 0n) return fail('strings: negative Repeat count')
      // Go would try to allocate it; a file must not take the loader down (`indent 1000000000`).
      const breaks = str(1).split('\n').length - 1
      if (breaks === 0) return { ok: true, value: { t: 'string', v: str(1) } }
      if (n * BigInt(breaks) > MAX_INDENT) return fail(`the indented value would be over ${MAX_INDENT} bytes`)
      return { ok: true, value: { t: 'string', v: str(1).replaceAll('\n', `\n${' '.repeat(Number(n))}`) } }
    }
  }
}

function describe(token: Token): string {
  if (token.k === 'string') return token.src
  if (token.k === 'number') return token.src
  if (token.k === 'bool') return String(token.v)
  return ''
}

function literal(token: Token): Value {
  if (token.k === 'string') return { t: 'string', v: token.v }
  if (token.k === 'bool') return { t: 'bool', v: token.v }
  const n = parseNumber((token as { src: string }).src)!
  return n.int !== undefined ? { t: 'int', v: n.int } : { t: 'float', v: n.float! }
}

const GO_TYPE = { string: 'string', int: 'int', float: 'float64', bool: 'bool' } as const

/** One argument as Go converts it to the parameter's type, or Go's complaint. */
function argument(op: Operand, want: 'string' | 'int', env: Env, secrets: string[]): Result {
  if (op.k === 'lit') {
    const v = literal(op.token)
    if (want === 'string' && op.token.k !== 'string') return { ok: false, error: `expected string; found ${describe(op.token)}` }
    if (want === 'int' && op.token.k === 'number' && v.t === 'int') return { ok: true, value: v }
    if (want === 'int') return { ok: false, error: `expected integer; found ${describe(op.token)}` }
    return { ok: true, value: v }
  }
  // A bare function name is a call without arguments (Go: "wrong number of args").
  const r = run(op.k === 'fn' ? [[op]] : op.pipe, env, secrets)
  if (!r.ok) return r
  const got = r.value.t === 'int' ? 'int' : r.value.t
  if (got !== want) return { ok: false, error: `wrong type for value; expected ${want}; got ${GO_TYPE[r.value.t]}` }
  return r
}

function run(pipeline: readonly Command[], env: Env, secrets: string[]): Result {
  let piped: Value | undefined
  for (const command of pipeline) {
    const [head, ...rest] = command
    if (head!.k !== 'fn') {
      if (rest.length > 0 || piped !== undefined)
        return { ok: false, error: `can't give argument to non-function ${head!.k === 'lit' ? describe(head!.token) : '(...)'}` }
      const r = head!.k === 'lit' ? ({ ok: true, value: literal(head!.token) } as Result) : run(head!.pipe, env, secrets)
      if (!r.ok) return r
      piped = r.value
      continue
    }
    const params = FUNCS[head!.name]!
    const given = rest.length + (piped === undefined ? 0 : 1)
    if (given !== params.length) return { ok: false, error: `wrong number of args for ${head!.name}: want ${params.length} got ${given}` }
    const args: Value[] = []
    for (let i = 0; i < rest.length; i++) {
      const r = argument(rest[i]!, params[i]!, env, secrets)
      if (!r.ok) return r
      args.push(r.value)
    }
    if (piped !== undefined) {
      const want = params[params.length - 1]!
      if (piped.t !== want) return { ok: false, error: `wrong type for value; expected ${want}; got ${GO_TYPE[piped.t]}` }
      args.push(piped)
    }
    const r = call(head!.name, args, env, secrets)
    if (!r.ok) return r
    piped = r.value
  }
  return { ok: true, value: piped! }
}

export type ActionResult = { ok: true; text: string; secrets: string[] } | { ok: false; error: string }

/** What an action prints: Go's text/template over decK's functions. */
export function runAction(tokens: readonly Token[], env: Env): ActionResult {
  const pipeline = parse(tokens)
  if (typeof pipeline === 'string') return { ok: false, error: pipeline }
  const secrets: string[] = []
  const r = run(pipeline, env, secrets)
  return r.ok ? { ok: true, text: print(r.value), secrets } : { ok: false, error: r.error }
}
