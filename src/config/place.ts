/**
 * A raw issue placed in the file: its line and column, its path as users write
 * it, secrets redacted from its message, and the named entity it sits in.
 */
import type { Node } from 'yaml'
import { formatPath, type ConfigIssue, type PathSegment, type RawIssue, type Severity } from './issues.js'
import { SINGULAR } from './normalize/index.js'
import type { Collection } from './schema/context.js'
import { isSubstituted, type Substitution } from './templates.js'
import { locate, scalarAt, type SourceFile } from './yaml.js'

/** The fields that name an entity in a message, first one set wins. */
const LABEL_FIELD: Record<string, readonly string[]> = {
  services: ['name'],
  routes: ['name'],
  consumers: ['username', 'custom_id'],
  plugins: ['instance_name', 'name'],
  upstreams: ['name'],
  targets: ['target'],
  snis: ['name'],
  vaults: ['prefix'],
  basicauth_credentials: ['username'],
  hmacauth_credentials: ['username'],
  acls: ['group'],
}

/** The innermost named entity on a path, e.g. `route 'orders'`. */
function describeEntity(root: unknown, path: readonly PathSegment[]): string | undefined {
  let node: unknown = root
  let label: string | undefined
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!
    node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[seg] : undefined
    const collection = path[i - 1]
    // Own keys only: a path segment is any key the file wrote, and `constructor[0]`
    // (e.g. under a `headers` map) found Object in LABEL_FIELD and threw.
    if (typeof seg === 'number' && typeof collection === 'string' && Object.hasOwn(LABEL_FIELD, collection) && node !== null && typeof node === 'object') {
      for (const f of LABEL_FIELD[collection] ?? []) {
        const v = (node as Record<string, unknown>)[f]
        if (typeof v === 'string') {
          label = `${SINGULAR[collection as Collection]} '${v}'`
          break
        }
      }
    }
  }
  return label
}

export function placeIssue(source: SourceFile, root: unknown, r: RawIssue, secrets: Set<string>, sub: Substitution, severity: Severity): ConfigIssue {
  const pos = locate(source, r)
  let message = r.message
  const node: Node | undefined = scalarAt(source, r.path)
  const substituted = isSubstituted(sub, node)
  for (const s of secrets) {
    if (s.length >= 4 || (substituted && s.length > 0)) message = message.split(s).join('<redacted>')
  }
  const issue: ConfigIssue = { file: source.file, line: pos.line, column: pos.column, path: formatPath(r.path), message, severity }
  const entity = describeEntity(root, r.path)
  if (entity) issue.entity = entity
  return issue
}
