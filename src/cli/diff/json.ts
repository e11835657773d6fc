/**
 * `gateway diff --format json`: one object, stable for tools.
 *
 *   { old, new, equal,
 *     summary: { created, updated, deleted, routes },
 *     changes: [{ action: create|update|delete, collection, kind, name,
 *                 fields?: [{ path, old?, new?, secret? }],   // update
 *                 entity?: {...} }],                           // create, delete
 *     routes:  [{ route, change: added|removed|changed, reasons: [string] }] }
 *
 * A field's `old` or `new` is absent when unset on that side; `secret: true`
 * says a secret changed, with neither value. Entities are redacted as the
 * admin API shows them; references name what they point at.
 */
import { counts, isEqual, type DiffResult } from './result.js'

export function renderJson(r: DiffResult): string {
  const n = counts(r)
  return JSON.stringify(
    {
      old: r.old,
      new: r.new,
      equal: isEqual(r),
      summary: { created: n.create, updated: n.update, deleted: n.delete, routes: r.routes.length },
      changes: r.changes,
      routes: r.routes,
    },
    null,
    2,
  )
}
