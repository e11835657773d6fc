/**
 * `gateway diff --format github`: Markdown for a pull-request comment, a
 * summary table per entity kind, the routes whose behaviour changes, and the
 * entity changes in a collapsed block. Kept under GitHub's comment size.
 */
import type { Action } from './entities.js'
import { fieldLine, isEqual, type DiffResult } from './result.js'

/** GitHub refuses comments over 65,536 characters. */
const LIMIT = 60_000

const SIGN: Record<Action, string> = { create: '+', update: '~', delete: '-' }
const VERB: Record<Action, string> = { create: 'creating', update: 'updating', delete: 'deleting' }

/** Text in a table cell or a paragraph: no HTML, no cell break, no code span break. */
const cell = (s: string) =>
  s
    .replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`)
    .replaceAll('|', '\\|')
    .replace(/[\r\n]+/g, ' ')
const code = (s: string) =>
  `\`${s
    .replaceAll('`', "'")
    .replaceAll('|', '\\|')
    .replace(/[\r\n]+/g, ' ')}\``
/** A line inside a fenced block: a fence cannot be closed by the content. */
const fenced = (s: string) => s.replace(/`{3,}/g, (m) => "'".repeat(m.length)).replace(/[\r\n]+/g, ' ')

export function renderGithub(r: DiffResult): string {
  const title = `### \`gateway diff\`: ${code(r.old)} → ${code(r.new)}`
  if (isEqual(r)) return `${title}\n\nNo changes: both files load to the same configuration.\n`
  const parts: string[] = [title, '']
  const kinds = new Map<string, Record<Action, number>>()
  for (const c of r.changes) {
    const k = kinds.get(c.kind) ?? { create: 0, update: 0, delete: 0 }
    k[c.action]++
    kinds.set(c.kind, k)
  }
  if (kinds.size > 0) {
    parts.push('| Entity | Created | Updated | Deleted |', '|---|--:|--:|--:|')
    for (const [kind, n] of kinds) parts.push(`| ${cell(kind)} | ${n.create} | ${n.update} | ${n.delete} |`)
    parts.push('')
  }
  if (r.routes.length > 0) {
    parts.push(`**${r.routes.length} ${r.routes.length === 1 ? 'route changes' : 'routes change'} behaviour**`, '')
    parts.push('| Route | Change | Why |', '|---|---|---|')
    for (const route of r.routes) parts.push(`| ${code(route.route)} | ${route.change} | ${route.reasons.map(cell).join('<br>')} |`)
    parts.push('')
  } else parts.push('No route changes behaviour.', '')
  const head = parts.join('\n')
  const lines: string[] = []
  let size = head.length
  let left = 0
  for (const c of r.changes) {
    const block = [`${SIGN[c.action]} ${VERB[c.action]} ${c.kind} ${c.name}`, ...(c.fields ?? []).map((f) => `    ${fieldLine(f)}`)].map(fenced)
    const length = block.reduce((n, l) => n + l.length + 1, 0)
    if (size + length > LIMIT) {
      left++
      continue
    }
    size += length
    lines.push(...block)
  }
  const more = left > 0 ? `\n_${left} more ${left === 1 ? 'change' : 'changes'} not shown: run \`gateway diff\` locally._\n` : ''
  return `${head}\n<details><summary>${r.changes.length} entity ${r.changes.length === 1 ? 'change' : 'changes'}</summary>\n\n\`\`\`diff\n${lines.join('\n')}\n\`\`\`\n${more}\n</details>\n`
}
