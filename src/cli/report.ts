/** Renders config issues for people (text), programs (json) and GitHub Actions (annotations). */
import type { ConfigIssue } from '../config/issues.js'

export const FORMATS = ['text', 'json', 'github'] as const
export type Format = (typeof FORMATS)[number]

export function textLine(i: ConfigIssue): string {
  const where = `${i.file}:${i.line}:${i.column}`
  const path = i.path ? `${i.path}: ` : ''
  const entity = i.entity ? ` (in ${i.entity})` : ''
  return `${where}: ${i.severity === 'warning' ? 'warning: ' : ''}${path}${i.message}${entity}`
}

// GitHub workflow commands: data escapes %, CR, LF; properties also ':' and ','.
const escData = (s: string) => s.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A')
const escProp = (s: string) => escData(s).replaceAll(':', '%3A').replaceAll(',', '%2C')

export function githubLine(i: ConfigIssue): string {
  const title = i.path ? `kong.yml ${i.path}` : 'kong.yml'
  const entity = i.entity ? ` (in ${i.entity})` : ''
  return `::${i.severity} file=${escProp(i.file)},line=${i.line},col=${i.column},title=${escProp(title)}::${escData(i.message + entity)}`
}

// No severity field: the JSON lists errors only, and its entries keep the shape
// CI scripts already parse ({file, line, column, path, message, entity?, related?}).
export function jsonEntry(i: ConfigIssue): Record<string, unknown> {
  const entry: Record<string, unknown> = { file: i.file, line: i.line, column: i.column, path: i.path, message: i.message }
  if (i.entity) entry.entity = i.entity
  // Several files: the other place of a duplicate ({file, line, column, path}).
  if (i.related) entry.related = i.related
  return entry
}
