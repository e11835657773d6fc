/**
 * A raw issue placed in the file: its line and column, its path as users write
 * it, secrets redacted from its message, and the named entity it sits in.
 */
import { isScalar, type Node, type Scalar } from 'yaml'
import { formatPath, type ConfigIssue, type PathSegment, type RawIssue, type Severity } from './issues.js'
import { SINGULAR } from './normalize/index.js'
import type { SecretRedactor } from './secrets/index.js'
import { REDACTED } from './secrets/redact.js'
import { isReference } from './vault.js'
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
  oauth2_credentials: ['name', 'client_id'],
  key_sets: ['name'],
  keys: ['name', 'kid'],
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

/** Values that came from outside the file. */
export interface Outside {
  /** From the environment (decK) or a vault: printed nowhere. */
  readonly values: ReadonlySet<string>
  /** What each vault reference resolved to. */
  readonly resolved: ReadonlyMap<string, readonly string[]>
}

/**
 * `outside`: the values that came from the environment or a vault. The
 * message is about the value at the issue's path: when that is a secret
 * field, or came from outside, no part of it is echoed; elsewhere no secret
 * of the file is (secrets/redact.ts). `at`: the issue's path in `source`
 * when `r.path` is a path of a document merged from several files.
 */
export function placeIssue(
  source: SourceFile,
  root: unknown,
  r: RawIssue,
  redactor: SecretRedactor,
  outside: Outside,
  sub: Substitution,
  severity: Severity,
  at: readonly PathSegment[] = r.path,
): ConfigIssue {
  const pos = locate(source, { path: at, atKey: r.atKey })
  const node: Node | undefined = scalarAt(source, at)
  const own = redactor.ownAt(r.path)
  if (isSubstituted(sub, node)) {
    const value = String((node as Scalar).value)
    own.push(value, ...[...outside.values].filter((s) => s !== '' && value.includes(s)))
  } else if (isScalar(node) && isReference(node.value)) own.push(...(outside.resolved.get(node.value) ?? []))
  const message = redactor.message(r.message, own)
  // A key that came from the environment is a value like any other: not printed, even in the path.
  const path = sub.keys.size === 0 ? at : at.map((seg) => (typeof seg === 'string' && sub.keys.has(seg) ? REDACTED : seg))
  const issue: ConfigIssue = { file: source.file, line: pos.line, column: pos.column, path: formatPath(path), message, severity }
  const entity = describeEntity(root, r.path)
  if (entity) issue.entity = entity
  return issue
}
