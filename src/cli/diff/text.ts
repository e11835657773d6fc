/**
 * `gateway diff --format text`: decK's diff output (`creating`, `updating`,
 * `deleting` one entity per line, the changed fields under an update, a
 * summary), then the routes whose behaviour changes.
 */
import type { Action } from './entities.js'
import { counts, fieldLine, isEqual, type DiffResult } from './result.js'

const VERB: Record<Action, string> = { create: 'creating', update: 'updating', delete: 'deleting' }

export function renderText(r: DiffResult): string[] {
  if (isEqual(r)) return [`No differences between ${r.old} and ${r.new}.`]
  const lines: string[] = []
  for (const c of r.changes) {
    lines.push(`${VERB[c.action]} ${c.kind} ${c.name}`)
    for (const f of c.fields ?? []) lines.push(`  ${fieldLine(f)}`)
  }
  if (r.routes.length > 0) {
    lines.push('', `Routes whose behaviour changes (${r.routes.length}):`)
    for (const route of r.routes) {
      lines.push(`  ${route.route} (${route.change})`)
      for (const why of route.reasons) lines.push(`    - ${why}`)
    }
  }
  const n = counts(r)
  lines.push('', 'Summary:', `  Created: ${n.create}`, `  Updated: ${n.update}`, `  Deleted: ${n.delete}`, `  Routes changing behaviour: ${r.routes.length}`)
  return lines
}
