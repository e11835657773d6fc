/**
 * Validated entities → one flat set: nested children hoisted with their parent
 * reference filled in, ids derived as Kong derives them, references resolved to
 * ids, and the checks that need the whole file. This file only runs the passes,
 * in the order their results depend on.
 */
import type { PluginRegistry } from '../../plugins/registry.js'
import type { PathSegment, RawIssue } from '../issues.js'
import type { Collection } from '../schema/context.js'
import { fillAutoFields } from './fill.js'
import { flatten } from './flatten.js'
import { emptySets, type EntitySets } from './located.js'
import { checkOrderingCycles } from './ordering.js'
import { hashClientSecrets } from './client-secrets.js'
import { hashPasswords } from './passwords.js'
import { checkPlugins } from './plugins.js'
import { resolveReferences } from './references.js'
import { checkIds, checkUnique } from './unique.js'
import { addFailed, type Salvage } from './salvage.js'
import { routeWarnings } from './warnings.js'

export type { EntitySets, Located } from './located.js'
export { SINGULAR } from './tables.js'

export interface NormalizeResult {
  entities: EntitySets
  issues: RawIssue[]
  warnings: RawIssue[]
}

export class Normalizer {
  private readonly out = emptySets()
  private readonly issues: RawIssue[] = []
  /** Collections whose stand-ins may miss an entity the file names (salvage.ts). */
  private readonly uncertain = new Set<Collection>()

  constructor(
    private readonly registry: PluginRegistry,
    private readonly transform: boolean,
  ) {}

  /** Adds a validated top-level entity (and everything nested in it). */
  add(collection: Collection, value: Record<string, unknown>, path: PathSegment[]): void {
    append(this.issues, flatten(this.out, collection, value, path))
  }

  /**
   * Adds the stand-in of an entity that failed its schema (its problems are
   * reported already), so that the whole-file checks still see it and its children.
   */
  addFailed(collection: Collection, raw: unknown, path: PathSegment[], salvage: Omit<Salvage, 'uncertain'>): void {
    const issues: RawIssue[] = []
    addFailed(this.out, issues, collection, raw, path, { ...salvage, uncertain: this.uncertain })
    append(this.issues, issues)
  }

  /** `collection` may hold entities that could not be added at all (it is not a list). */
  markUncertain(collection: Collection): void {
    this.uncertain.add(collection)
  }

  /** Runs the whole-file checks and returns the flat entities. */
  finish(): NormalizeResult {
    fillAutoFields(this.out)
    append(this.issues, checkIds(this.out))
    // From here on a reference holds the id it names: the ordering check groups
    // plugins by route and service id.
    const references = resolveReferences(this.out, this.uncertain)
    const unique = checkUnique(this.out)
    const plugins = checkPlugins(this.out, this.registry)
    // A scope the plugin may not have is `value must be null` alone, as in Kong: not also a dangling reference.
    const judged = new Set(plugins.map((i) => i.path.join('\u0000')))
    append(
      this.issues,
      references.filter((i) => !judged.has(i.path.join('\u0000'))),
    )
    append(this.issues, unique)
    append(this.issues, plugins)
    append(this.issues, checkOrderingCycles(this.out, this.registry))
    if (this.transform) {
      hashPasswords(this.out)
      hashClientSecrets(this.out)
    }
    return { entities: this.out, issues: this.issues, warnings: routeWarnings(this.out) }
  }
}

/** push(...list) without the argument-count limit of a spread. */
function append(to: RawIssue[], list: readonly RawIssue[]): void {
  for (const i of list) to.push(i)
}
