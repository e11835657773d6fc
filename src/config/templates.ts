/**
 * decK's file-time substitution, `${{ env "DECK_NAME" }}`, applied to scalar
 * values after parsing (not to the raw text, as decK does), so positions stay
 * exact and a variable's value can never inject YAML structure. A scalar that
 * is exactly one template piped through `toInt`, `toFloat` or `toBool` becomes
 * a number or boolean.
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
  /** Scalars whose value came from the environment. */
  nodes: Set<Scalar>
  /** Scalars whose substitution failed: already reported, so their other errors are noise. */
  failed: Set<Scalar>
}

export function substituteEnv(source: SourceFile, env: NodeJS.ProcessEnv): Substitution {
  const result: Substitution = { errors: [], secrets: new Set(), nodes: new Set(), failed: new Set() }
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
    const text = node.value
    let conversion: string | undefined
    let failed = false
    const whole = /^\$\{\{[^}]*\}\}$/.test(text.trim())
    const replaced = text.replace(TEMPLATE_RE, (_m, inner: string) => {
      const expr = inner.trim()
      const m = EXPR_RE.exec(expr)
      if (!m) {
        result.errors.push({ position: pos(node), message: `unsupported template expression '${expr}': only env "DECK_NAME" with toInt, toFloat or toBool is available` })
        failed = true
        return ''
      }
      const name = m[1]!
      if (!name.startsWith('DECK_')) {
        result.errors.push({ position: pos(node), message: `environment variables in the state file must be prefixed with 'DECK_', found: '${name}'` })
        failed = true
        return ''
      }
      const value = env[name]
      if (value === undefined) {
        result.errors.push({ position: pos(node), message: `environment variable '${name}' present in state file but not set` })
        failed = true
        return ''
      }
      if (m[2] && !m[2].startsWith('indent')) conversion = m[2]
      if (value !== '') result.secrets.add(value)
      return value
    })
    if (failed) {
      result.failed.add(node)
      return
    }
    result.nodes.add(node)
    node.value = whole && conversion ? convert(replaced, conversion, node, pos, result) : replaced
  }
  walk(doc.contents)
  return result
}

function convert(value: string, conversion: string, node: Scalar, pos: (n: Scalar) => Position, result: Substitution): unknown {
  if (conversion === 'toBool') {
    if (value === 'true') return true
    if (value === 'false') return false
  } else if (conversion === 'toInt') {
    if (/^-?\d+$/.test(value)) return Number(value)
  } else if (/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(value)) {
    return Number(value)
  }
  result.errors.push({ position: pos(node), message: `${conversion}: the environment value cannot be converted` })
  return value
}

export function isSubstituted(sub: Substitution, node: unknown): boolean {
  return isScalar(node) && sub.nodes.has(node)
}

export function substitutionFailed(sub: Substitution, node: unknown): boolean {
  return isScalar(node) && sub.failed.has(node)
}
