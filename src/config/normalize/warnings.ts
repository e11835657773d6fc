/** What the file asks for that loads but is not honoured: warnings, never errors. */
import type { RawIssue } from '../issues.js'
import type { EntitySets } from './located.js'

export function routeWarnings(sets: EntitySets): RawIssue[] {
  const warnings: RawIssue[] = []
  for (const { entity, path, failed } of sets.routes) {
    if (!failed && entity.path_handling === 'v1') {
      warnings.push({
        path: [...path, 'path_handling'],
        message: "path_handling 'v1' is ignored by the traditional_compatible router (as in Kong); v0 applies",
      })
    }
  }
  return warnings
}
