/**
 * decK's file-time substitution, `${{ env "DECK_NAME" }}`, done where decK does
 * it: in the file's text, before YAML reads it (Kong/go-database-reconciler
 * pkg/file/template.go renders the text with Go's text/template; the actions
 * themselves are deck-template.ts). So a variable may carry YAML structure (a
 * flow list for `hosts`, a double-quoted PEM with `\n` escapes, a key), a
 * template may sit inside a quoted string or a flow collection, `| indent 4`
 * lays a multi-line value into a block scalar, and an unquoted
 * `retries: ${{ env "DECK_R" }}` is a number because YAML types the rendered
 * text. On lines whose first non-blank is `#`, templates are left as written,
 * as decK leaves them; elsewhere, in trailing comments too, they are rendered.
 *
 * Positions stay in the file as written: the rendering keeps an offset map
 * (text shifts by what came before, an action's output maps to its `${{`), so
 * a problem inside a substituted value points at its template and the lines
 * after a multi-line value keep their numbers. A failed action (unset
 * variable, bad conversion, unsupported expression) is an error at its
 * template, and is rendered as `deck file render` (decK's mock mode) renders
 * it (the variable's name, 42, false) so the rest of the file is still
 * checked; problems at the values made from it are left out (noise).
 *
 * Values from the environment are secrets: `secrets` holds them (printed
 * nowhere), `nodes` the scalars made from them, `sources` what the admin API
 * shows instead of each (the scalar as the file wrote it, templates and all).
 * The loader calls this only for a file containing `${{`.
 */
import { isCollection, isPair, isScalar, type Scalar } from 'yaml'
import { hasLeftTrim, lexAction, runAction, type Env } from './deck-template.js'
import { MIN_ECHO, REDACTED } from './secrets/redact.js'
import type { Position, SourceFile } from './yaml.js'

/** A run of the rendered text: file text copied as it was, or an action's output. */
interface Segment {
  /** Rendered range. */
  from: number
  to: number
  /** Range in the file as written. */
  src: number
  srcEnd: number
  action: boolean
  failed: boolean
}

export interface Rendering {
  /** The text YAML reads. */
  readonly text: string
  /** Problems of the templates, at their `${{` in the file as written. */
  readonly errors: readonly { position: Position; message: string }[]
  /** Values taken from the environment: never printed. */
  readonly secrets: ReadonlySet<string>
  /** Line and column in the file as written of an offset in the rendered text. */
  position(offset: number): Position
  /** The actions a rendered range overlaps: none, some, or one that failed. */
  touches(from: number, to: number): 'none' | 'substituted' | 'failed'
  /** A rendered range as the file wrote it: its text with each action's template in place of its output. */
  written(from: number, to: number): string
}

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n'

/** The offset of the next `${{` Go's template parser sees: those of comment lines are left out, as decK leaves them. */
function nextAction(text: string, from: number): number {
  for (let p = text.indexOf('${{', from); p >= 0; p = text.indexOf('${{', p + 1)) {
    const lineStart = text.lastIndexOf('\n', p - 1) + 1
    if (!/^\s*#/.test(text.slice(lineStart, p))) return p
    // decK swaps `\$\{\{[^}]*\}\}` on a comment line for a placeholder; an action it does not match is still an action.
    let q = p + 3
    while (q < text.length && text[q] !== '}' && text[q] !== '\n') q++
    if (!(text[q] === '}' && text[q + 1] === '}')) return p
    p = q
  }
  return -1
}

/** Renders the file's text as decK does; `env` as process.env. */
export function renderTemplates(text: string, env: NodeJS.ProcessEnv): Rendering {
  const real: Env = { get: (name) => (Object.hasOwn(env, name) ? env[name] : undefined), mock: false }
  const mock: Env = { get: () => undefined, mock: true }
  const segments: Segment[] = []
  const parts: string[] = []
  const errors: { offset: number; message: string }[] = []
  const secrets = new Set<string>()
  let length = 0
  const push = (src: number, srcEnd: number, output: string, action: boolean, failed = false) => {
    if (!action && srcEnd === src) return
    segments.push({ from: length, to: length + output.length, src, srcEnd, action, failed })
    parts.push(output)
    length += output.length
  }

  let pos = 0
  for (let p = nextAction(text, 0); p >= 0; p = nextAction(text, pos)) {
    const trimLeft = hasLeftTrim(text, p)
    let textEnd = p
    if (trimLeft) while (textEnd > pos && isBlank(text[textEnd - 1])) textEnd--
    push(pos, textEnd, text.slice(pos, textEnd), false)
    const lexed = lexAction(text, p + (trimLeft ? 5 : 3))
    let output = ''
    let failed = false
    if (lexed.error !== undefined) {
      errors.push({ offset: p, message: lexed.error })
      failed = true
    } else if (!lexed.comment) {
      const r = runAction(lexed.tokens, real)
      if (r.ok) {
        output = r.text
        for (const s of r.secrets) secrets.add(s)
      } else {
        errors.push({ offset: p, message: r.error })
        failed = true
        const stand = runAction(lexed.tokens, mock)
        output = stand.ok ? stand.text : ''
      }
    }
    if (!lexed.comment) push(p, lexed.end, output, true, failed)
    pos = lexed.end
    if (lexed.trimRight) while (pos < text.length && isBlank(text[pos])) pos++
  }
  push(pos, text.length, text.slice(pos), false)

  const rendered = parts.join('')
  const lineStarts = [0]
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1)
  const at = (offset: number): Position => {
    let lo = 0
    let hi = lineStarts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (lineStarts[mid]! <= offset) lo = mid
      else hi = mid - 1
    }
    return { line: lo + 1, column: offset - lineStarts[lo]! + 1 }
  }
  /** The last segment starting at or before `offset` (a text segment after an empty output wins). */
  const segmentAt = (offset: number): number => {
    let lo = 0
    let hi = segments.length - 1
    if (hi < 0 || segments[0]!.from > offset) return -1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (segments[mid]!.from <= offset) lo = mid
      else hi = mid - 1
    }
    return lo
  }
  const sourceOffset = (offset: number): number => {
    const s = segments[segmentAt(offset)]
    if (!s) return offset
    if (offset < s.to) return s.action ? s.src : s.src + (offset - s.from)
    return s.srcEnd + (offset - s.to)
  }
  const overlapping = function* (from: number, to: number): Generator<Segment> {
    // From the first segment that could touch `from` (an empty action at `from` included).
    let i = Math.max(0, segmentAt(from))
    while (i > 0 && segments[i - 1]!.to >= from) i--
    for (; i < segments.length && segments[i]!.from <= to; i++) {
      const s = segments[i]!
      if (s.from < to && s.to > from) yield s
      else if (s.action && s.from === s.to && from <= s.from && s.from <= to) yield s
    }
  }
  return {
    text: rendered,
    errors: errors.map((e) => ({ position: at(e.offset), message: e.message })),
    secrets,
    position: (offset) => at(sourceOffset(offset)),
    touches(from, to) {
      let found: 'none' | 'substituted' | 'failed' = 'none'
      for (const s of overlapping(from, to)) {
        if (!s.action) continue
        if (s.failed) return 'failed'
        found = 'substituted'
      }
      return found
    },
    written(from, to) {
      let out = ''
      for (const s of overlapping(from, to)) {
        out += s.action ? text.slice(s.src, s.srcEnd) : text.slice(s.src + Math.max(0, from - s.from), s.src + Math.min(s.to, to) - s.from)
      }
      return out
    },
  }
}

/** A message with no value from the environment in it (YAML's messages may quote the rendered text). */
export function hideSecrets(message: string, secrets: ReadonlySet<string>): string {
  let out = message
  for (const s of [...secrets].filter((x) => x.length >= MIN_ECHO).sort((a, b) => b.length - a.length)) out = out.split(s).join(REDACTED)
  return out
}

export interface Substitution {
  /** Values taken from the environment: never printed. */
  secrets: ReadonlySet<string>
  /** Each substituted string scalar's value and the text the file had there: what the admin API shows instead. */
  sources: Map<string, string>
  /** Scalars whose value came (wholly or partly) from the environment. */
  nodes: Set<Scalar>
  /** Scalars made from a failed action: already reported, so their other errors are noise. */
  failed: Set<Scalar>
  /** Mapping keys that came from the environment: an issue's path shows them redacted. */
  keys: Set<string>
}

export const NO_SUBSTITUTION: Substitution = { secrets: new Set(), sources: new Map(), nodes: new Set(), failed: new Set(), keys: new Set() }

/** The scalar as the file wrote it, without the quotes or block header YAML reads past. */
function writtenValue(node: Scalar, written: string): string {
  if ((node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') && written.length >= 2 && written[0] === written.at(-1) && `"'`.includes(written[0]!)) {
    return written.slice(1, -1)
  }
  if ((node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') && /^[|>]/.test(written)) {
    return written
      .slice(written.indexOf('\n') + 1)
      .split('\n')
      .map((l) => l.trimStart())
      .join('\n')
      .trimEnd()
  }
  return written
}

/** Which scalars of the parsed rendering came from the environment. */
export function substitutionOf(rendering: Rendering, source: SourceFile): Substitution {
  const result: Substitution = { secrets: rendering.secrets, sources: new Map(), nodes: new Set(), failed: new Set(), keys: new Set() }
  const visit = (node: Scalar, key = false): void => {
    if (!node.range) return
    const [from, to] = node.range
    const touch = rendering.touches(from, to)
    if (touch === 'none') return
    result.nodes.add(node)
    if (touch === 'failed') result.failed.add(node)
    if (key) result.keys.add(String(node.value))
    if (typeof node.value === 'string') result.sources.set(node.value, writtenValue(node, rendering.written(from, to)))
  }
  // Every scalar, keys included, depth-first: what yaml's `visit` does, without
  // the frozen ancestry array it allocates for each node (slow on big files).
  const walk = (node: unknown, key = false): void => {
    if (isScalar(node)) visit(node, key)
    else if (isCollection(node)) for (const item of node.items) walk(item)
    else if (isPair(node)) {
      walk(node.key, true)
      walk(node.value)
    }
  }
  walk(source.doc.contents)
  return result
}

export function isSubstituted(sub: Substitution, node: unknown): boolean {
  return isScalar(node) && sub.nodes.has(node)
}

export function substitutionFailed(sub: Substitution, node: unknown): boolean {
  return isScalar(node) && sub.failed.has(node)
}
