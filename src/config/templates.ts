/**
 * decK's file-time substitution, `${{ env "DECK_NAME" }}`, applied to scalar
 * values after parsing (not to the raw text, as decK does), so positions stay
 * exact and a variable's value can never inject YAML structure. An unquoted
 * scalar is then typed as YAML would type the text decK renders (a number, a
 * boolean, null); a scalar that is exactly one template piped through `toInt`,
 * `toFloat` or `toBool` becomes a number or boolean.
 */
import { isCollection, isPair, isScalar, type Document, type Scalar } from 'yaml'
import type { Position, SourceFile } from './yaml.js'

// One lazy group that cannot run past the next `${{`, trimmed in code: the former
// `\s*(.*?)\s*` backtracked cubically on blanks after an unclosed `${{` (a 4 kB
// scalar took 20 s; 100 kB hung loadConfig).
const TEMPLATE_RE = /\$\{\{((?:(?!\$\{\{)[^])*?)\}\}/g
const EXPR_RE = /^env\s+"([^"]*)"\s*(?:\|\s*(toInt|toFloat|toBool|indent\s+\d+)\s*)?$/

export interface Substitution {
  errors: { position: Position; message: string }[]
  /** Values taken from the environment: never printed. */
  secrets: Set<string>
  /** Each substituted string scalar's value and the text the file had there: what the admin API shows instead. */
  sources: Map<string, string>
  /** Scalars whose value came from the environment. */
  nodes: Set<Scalar>
  /** Scalars whose substitution failed: already reported, so their other errors are noise. */
  failed: Set<Scalar>
}

/** One scalar's text with its templates expanded, or the reasons it cannot be. */
export type Expansion = { ok: true; value: unknown; secrets: string[] } | { ok: false; errors: string[] }

/** Expands the templates of one string. Pure. */
export function expand(text: string, env: NodeJS.ProcessEnv): Expansion {
  const errors: string[] = []
  const secrets: string[] = []
  let conversion: string | undefined
  const whole = /^\$\{\{[^}]*\}\}$/.test(text.trim())
  const replaced = text.replace(TEMPLATE_RE, (_m, inner: string) => {
    const expr = inner.trim()
    const m = EXPR_RE.exec(expr)
    if (!m) {
      errors.push(`unsupported template expression '${expr}': only env "DECK_NAME" with toInt, toFloat or toBool is available`)
      return ''
    }
    const name = m[1]!
    if (!name.startsWith('DECK_')) {
      errors.push(`environment variables in the state file must be prefixed with 'DECK_', found: '${name}'`)
      return ''
    }
    const value = env[name]
    if (value === undefined) {
      errors.push(`environment variable '${name}' present in state file but not set`)
      return ''
    }
    if (m[2] && !m[2].startsWith('indent')) conversion = m[2]
    if (value !== '') secrets.push(value)
    return value
  })
  if (errors.length > 0) return { ok: false, errors }
  if (!(whole && conversion)) return { ok: true, value: replaced, secrets }
  const converted = convert(replaced, conversion)
  return converted === undefined ? { ok: false, errors: [`${conversion}: the environment value cannot be converted`] } : { ok: true, value: converted, secrets }
}

function convert(value: string, conversion: string): unknown {
  if (conversion === 'toBool') {
    if (value === 'true') return true
    if (value === 'false') return false
  } else if (conversion === 'toInt') {
    if (/^-?\d+$/.test(value)) return Number(value)
  } else if (/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(value)) {
    return Number(value)
  }
  return undefined
}

const INT_RE = /^[-+]?[0-9]+$/
const FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/

/**
 * What YAML 1.2's core schema makes of a plain scalar's text: null, a boolean,
 * a number, else the string. Only the forms decK's toInt/toFloat/toBool and
 * ordinary values print; anything else stays a string.
 */
function plainScalar(text: string): unknown {
  if (text === '' || text === '~' || /^(?:null|Null|NULL)$/.test(text)) return null
  if (/^(?:true|True|TRUE)$/.test(text)) return true
  if (/^(?:false|False|FALSE)$/.test(text)) return false
  if (INT_RE.test(text) || FLOAT_RE.test(text)) return Number(text)
  return text
}

export function substituteEnv(source: SourceFile, env: NodeJS.ProcessEnv): Substitution {
  const result: Substitution = { errors: [], secrets: new Set(), sources: new Map(), nodes: new Set(), failed: new Set() }
  const doc: Document.Parsed = source.doc
  const pos = (node: Scalar): Position => {
    const p = source.lines.linePos(node.range?.[0] ?? 0)
    return { line: p.line, column: p.col }
  }
  // Every scalar, keys included, depth-first: what yaml's `visit` does, without
  // the frozen ancestry array it allocates for each node (slow on big files).
  const walk = (node: unknown): void => {
    if (isScalar(node)) substitute(node)
    else if (isCollection(node)) for (const item of node.items) walk(item)
    else if (isPair(node)) {
      walk(node.key)
      walk(node.value)
    }
  }
  const substitute = (node: Scalar): void => {
    if (typeof node.value !== 'string' || !node.value.includes('${{')) return
    const e = expand(node.value, env)
    if (!e.ok) {
      for (const message of e.errors) result.errors.push({ position: pos(node), message })
      result.failed.add(node)
      return
    }
    for (const secret of e.secrets) result.secrets.add(secret)
    // decK renders the text before YAML reads it: an unquoted scalar whose text
    // comes from a template is typed as YAML types it (`retries: ${{ env "DECK_R" }}`
    // is a number there), a quoted one stays a string.
    const value = typeof e.value === 'string' && node.type === 'PLAIN' ? plainScalar(e.value) : e.value
    if (typeof value === 'string') result.sources.set(value, node.value)
    result.nodes.add(node)
    node.value = value
  }
  walk(doc.contents)
  return result
}

export function isSubstituted(sub: Substitution, node: unknown): boolean {
  return isScalar(node) && sub.nodes.has(node)
}

export function substitutionFailed(sub: Substitution, node: unknown): boolean {
  return isScalar(node) && sub.failed.has(node)
}
