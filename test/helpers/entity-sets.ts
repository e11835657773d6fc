// Builds the flat entity sets a normalization pass reads, from values written as in a file
// (collections taken in the order the loader takes them, nested children after their parent).
import type { RawIssue } from '../../src/config/issues.js'
import { flatten } from '../../src/config/normalize/flatten.js'
import { emptySets, type EntitySets } from '../../src/config/normalize/located.js'
import type { Collection } from '../../src/config/schema/context.js'
import { COLLECTIONS } from '../../src/config/schema/declarative.js'

export function entitySets(file: Partial<Record<Collection, Record<string, unknown>[]>>): EntitySets {
  const sets = emptySets()
  const issues: RawIssue[] = []
  for (const collection of COLLECTIONS) {
    file[collection]?.forEach((item, i) => issues.push(...flatten(sets, collection, item, [collection, i])))
  }
  if (issues.length > 0) throw new Error(`flatten: ${JSON.stringify(issues)}`)
  return sets
}
