/**
 * text → frozen Config: decK templates rendered in the text (only when it has
 * `${{`) → YAML with positions (in the file as written) → root
 * checks → legacy path migration → per-entity zod validation (with vault
 * references resolved) → normalization and whole-file checks → freeze.
 * `gateway validate` and `gateway serve` (first load and every reload) run
 * exactly this. Nothing here throws on bad input: every problem is a ConfigIssue.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { registry as bundled, type PluginRegistry } from '../plugins/registry.js'
import {
  compareIssues,
  formatPath,
  fromZod,
  kongErrorMap,
  unknownFieldMessage,
  type ConfigIssue,
  type IssueKind,
  type PathSegment,
  type RawIssue,
  type Severity,
} from './issues.js'
import { parseTables } from './empty-tables.js'
import { deepFreeze, type Config, type Entities } from './model.js'
import { Normalizer, type NormalizeResult } from './normalize/index.js'
import { fastParse } from './fast-parse.js'
import { migrateLegacyPath } from './paths.js'
import { placeIssue, type Outside } from './place.js'
import { SecretRedactor } from './secrets/index.js'
import type { Collection } from './schema/context.js'
import { COLLECTIONS, FORMAT_VERSIONS, nestedSchemas, ROOT_META_KEYS, topLevelSchemas, type FormatVersion } from './schema/declarative.js'
import { vaultSchema } from './schema/tls.js'
import { hideSecrets, NO_SUBSTITUTION, renderTemplates, substitutionFailed, substitutionOf, type Substitution } from './templates.js'
import { createResolver, withResolver, type VaultEntity } from './vault.js'
import { configFiles } from './files.js'
import { mergeRoots } from './merge.js'
import { locate, parseYaml, scalarAt, type SourceFile } from './yaml.js'

export interface LoadOptions {
  /** Shown in every issue. */
  file: string
  /** For `${{ env "DECK_X" }}` and `{vault://env/X}`; defaults to process.env. */
  env?: NodeJS.ProcessEnv
  registry?: PluginRegistry
  /**
   * Try the fast path first (default). Tests turn it off to compare both paths;
   * the result of a valid file is the same either way.
   */
  fastPath?: boolean
}

export type LoadResult =
  { ok: true; config: Config; warnings: ConfigIssue[]; hash: string } | { ok: false; issues: ConfigIssue[]; warnings: ConfigIssue[]; hash: string }

interface Schemas {
  top: Record<Collection, import('zod').ZodType>
  nested: ReturnType<typeof nestedSchemas>
}

const schemaCache = new WeakMap<PluginRegistry, Schemas>()

function schemasFor(registry: PluginRegistry): Schemas {
  let s = schemaCache.get(registry)
  if (!s) {
    s = { top: topLevelSchemas('validate', registry), nested: nestedSchemas(registry) }
    schemaCache.set(registry, s)
  }
  return s
}

/** Whether any issue lies at or below a path: a set of every prefix of the issues' paths. */
function issuePrefixes(issues: readonly RawIssue[]): (path: readonly PathSegment[]) => boolean {
  const prefixes = new Set<string>()
  for (const i of issues) for (let n = 1; n <= i.path.length; n++) prefixes.add(i.path.slice(0, n).join('\u0000'))
  return (path) => prefixes.has(path.join('\u0000'))
}

/**
 * The config's identity for reloads and the status API: Kong's
 * configuration_hash, the MD5 of the file's contents (kong/db/declarative:
 * unserialize hashes the text as read, before parsing; the strength of the
 * hash does not matter, the file comes from the operator). Hashed as UTF-8,
 * which is the file's bytes for any file that decodes as UTF-8.
 */
export function configHash(text: string | Buffer): string {
  return createHash('md5').update(text).digest('hex')
}

/** One declarative document: its name in messages and its text. */
export interface ConfigSource {
  file: string
  text: string
}

/**
 * The identity of a config read from several files. One file: Kong's hash of
 * it (configHash). Several: the MD5 of each file's base name and bytes, in
 * load order, each prefixed by its length so no two lists hash alike; the
 * directory the files sit in is left out, so the same files mounted
 * elsewhere (another pod, another path) have the same hash.
 */
export function sourcesHash(sources: readonly ConfigSource[]): string {
  if (sources.length === 1) return configHash(sources[0]!.text)
  const h = createHash('md5')
  for (const { file, text } of sources) {
    const name = Buffer.from(basename(file))
    const body = Buffer.from(text)
    h.update(`${name.length}:`).update(name).update(`${body.length}:`).update(body)
  }
  return h.digest('hex')
}

export async function loadFile(path: string, opts: Omit<LoadOptions, 'file'> & { file?: string } = {}): Promise<LoadResult> {
  const text = await readFile(path, 'utf8')
  return loadConfig(text, { ...opts, file: opts.file ?? path })
}

/**
 * The config of several paths (files or directories, files.ts), merged as one.
 * A path that cannot be read throws, as loadFile does: that is no problem of
 * the config's but of the paths'.
 */
export async function loadPaths(paths: readonly string[], opts: Omit<LoadOptions, 'file'> = {}): Promise<LoadResult> {
  return loadSources(await readSources(await configFiles(paths)), opts)
}

/** Each file's text, in order. */
export async function readSources(files: readonly string[]): Promise<ConfigSource[]> {
  return Promise.all(files.map(async (file) => ({ file, text: await readFile(file, 'utf8') })))
}

export function loadConfig(text: string, opts: LoadOptions): LoadResult {
  return loadSources([{ file: opts.file, text }], opts)
}

/**
 * Several declarative documents loaded as one config (merge.ts has the rules).
 * One source is exactly `loadConfig`; with several, every problem names the
 * file it is in, and a duplicate names both places.
 */
export function loadSources(sources: readonly ConfigSource[], opts: Omit<LoadOptions, 'file'>): LoadResult {
  const hash = sourcesHash(sources)
  const registry = opts.registry ?? bundled
  const env = opts.env ?? process.env
  if (sources.length === 0) {
    return {
      ok: false,
      hash,
      warnings: [],
      issues: [{ file: '', line: 1, column: 1, path: '', message: 'no declarative configuration files', severity: 'error' }],
    }
  }
  if (opts.fastPath !== false) {
    const config = loadFast(sources, env, registry)
    if (config) return { ok: true, hash, config, warnings: [] }
  }
  return loadPositioned(sources, env, registry, hash)
}

/** A valid config without building the positioned documents; undefined when anything needs reporting. */
function loadFast(sources: readonly ConfigSource[], env: NodeJS.ProcessEnv, registry: PluginRegistry): Config | undefined {
  const roots: Record<string, unknown>[] = []
  for (const { text } of sources) {
    // decK templates: the admin API shows each substituted value as its template, which needs the node positions.
    if (text.includes('${{')) return undefined
    const parsed = fastParse(text)
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined
    roots.push(dropNulls(parsed) as Record<string, unknown>)
  }
  const merged = mergeRoots(roots)
  if (merged.issues.length > 0) return undefined
  const checked = check(merged.root, env, registry)
  if (checked.raws.length > 0 || checked.normalized.warnings.length > 0 || checked.version === undefined) return undefined
  return freeze(checked, new Map())
}

interface Checked {
  root: Record<string, unknown>
  version: FormatVersion | undefined
  transform: boolean
  raws: RawIssue[]
  normalized: NormalizeResult
  secrets: Set<string>
  /** Resolved vault references: value → reference. */
  sources: Map<string, string>
}

/**
 * Reference and uniqueness checks are left out after a failed substitution:
 * the value that could not be computed may be the very name they compare.
 * (An entity that failed its schema still takes part, through its stand-in.)
 */
const NEEDS_SUBSTITUTED_VALUES: ReadonlySet<IssueKind> = new Set(['reference', 'uniqueness'])

/** Everything after parsing and substitution: root keys, migration, zod per entity, whole-file checks. */
function check(root: Record<string, unknown>, env: NodeJS.ProcessEnv, registry: PluginRegistry, earlier = 0): Checked {
  const raws: RawIssue[] = []
  const version = checkRoot(root, raws)
  if (version === '1.1' || version === '2.1') migrateLegacyRoutes(root)

  const transform = typeof root._transform === 'boolean' ? root._transform : true
  const resolver = createResolver(env, validVaults(root.vaults))
  const normalizer = new Normalizer(registry, transform)
  const schemas = schemasFor(registry)
  const nested = (parent: Collection, child: Collection) => schemas.nested[parent]![child]!

  withResolver(resolver, () => {
    for (const collection of COLLECTIONS) {
      const items = root[collection]
      if (items !== undefined && !Array.isArray(items)) normalizer.markUncertain(collection)
      if (!Array.isArray(items)) continue
      const schema = schemas.top[collection]
      items.forEach((item, i) => {
        const result = parseTables(schema, item, { error: kongErrorMap })
        if (result.success) normalizer.add(collection, result.data as Record<string, unknown>, [collection, i])
        else {
          const found = fromZod(result.error.issues, [collection, i])
          raws.push(...found)
          // Its stand-in keeps it in the whole-file checks, and its nested children in every check.
          normalizer.addFailed(collection, item, [collection, i], { nested, bad: issuePrefixes(found) })
        }
      })
    }
  })

  // Plugin configs are validated in finish(): their referenceable fields need the resolver too.
  const normalized = withResolver(resolver, () => normalizer.finish())
  if (earlier === 0) raws.push(...normalized.issues)
  else raws.push(...normalized.issues.filter((i) => i.kind === undefined || !NEEDS_SUBSTITUTED_VALUES.has(i.kind)))
  return { root, version, transform, raws, normalized, secrets: resolver.secrets, sources: resolver.sources }
}

function freeze(checked: Checked, envSources: ReadonlyMap<string, string>): Config {
  const entities = Object.fromEntries(COLLECTIONS.map((c) => [c, checked.normalized.entities[c].map((l) => l.entity)])) as unknown as Entities
  const sources = new Map([...envSources, ...checked.sources])
  return deepFreeze({
    formatVersion: checked.version!,
    transform: checked.transform,
    ...entities,
    sources: [...sources].map(([value, written]) => ({ value, written })),
  })
}

/** One file read for the positioned path. */
interface Prepared {
  source: SourceFile
  substitution: Substitution
  root: Record<string, unknown>
}

/** The path that keeps source positions: every problem gets its file:line:column. */
function loadPositioned(sources: readonly ConfigSource[], env: NodeJS.ProcessEnv, registry: PluginRegistry, hash: string): LoadResult {
  const issues: ConfigIssue[] = []
  const warnings: ConfigIssue[] = []
  const prepared: Prepared[] = []
  let failedSubstitutions = 0
  let unusable = false
  for (const { file, text } of sources) {
    // decK renders its templates in the text before YAML reads it; positions still point into `text`.
    const rendering = text.includes('${{') ? renderTemplates(text, env) : undefined
    const parsed = parseYaml(rendering ? rendering.text : text, file, rendering?.position)
    const source = parsed.source
    const hide = (message: string) => (rendering ? hideSecrets(message, rendering.secrets) : message)
    const toIssue = (position: { line: number; column: number }, message: string, severity: Severity = 'error'): ConfigIssue => ({
      file,
      line: position.line,
      column: position.column,
      path: '',
      message,
      severity,
    })
    warnings.push(...parsed.warnings.map((w) => toIssue(w.position, hide(w.message), 'warning')))
    const yamlErrors = parsed.errors.map((e) => toIssue(e.position, hide(e.message)))
    const rendered = (rendering?.errors ?? []).map((e) => toIssue(e.position, e.message))
    failedSubstitutions += rendered.length
    issues.push(...rendered, ...yamlErrors)
    // A syntax error leaves no document to check; a duplicate key leaves one (the later value wins), checked further.
    if (parsed.errors.some((e) => e.fatal)) {
      unusable = true
      continue
    }
    let raw: unknown
    try {
      raw = source.doc.toJS({ maxAliasCount: 100 })
    } catch (err) {
      issues.push(toIssue({ line: 1, column: 1 }, hide(`YAML: ${(err as Error).message}`)))
      unusable = true
      continue
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      issues.push(toIssue({ line: 1, column: 1 }, 'failed parsing declarative configuration: expected an object'))
      unusable = true
      continue
    }
    const substitution = rendering ? substitutionOf(rendering, source) : NO_SUBSTITUTION
    prepared.push({ source, substitution, root: dropNulls(raw) as Record<string, unknown> })
  }
  if (unusable) return { ok: false, hash, issues: issues.sort(compareIssues), warnings: warnings.sort(compareIssues) }

  const merged = mergeRoots(prepared.map((p) => p.root))
  const several = prepared.length > 1
  const checked = check(merged.root, env, registry, failedSubstitutions)
  const resolved = new Map<string, string[]>()
  for (const [value, ref] of checked.sources) resolved.set(ref, [...(resolved.get(ref) ?? []), value])
  const outside: Outside = { values: new Set([...prepared.flatMap((p) => [...p.substitution.secrets]), ...checked.secrets]), resolved }
  let redactor: SecretRedactor | undefined
  const redact = () => (redactor ??= SecretRedactor.of(checked.root, registry, outside.values))
  /** Where a path of one file is, as users read it. */
  const where = (file: number, path: readonly PathSegment[]) => {
    const pos = locate(prepared[file]!.source, { path })
    return { file: prepared[file]!.source.file, line: pos.line, column: pos.column, path: formatPath(path) }
  }
  const place = (severity: Severity, file: number, r: RawIssue, at: readonly PathSegment[], other?: readonly PathSegment[]): ConfigIssue => {
    const p = prepared[file]!
    const issue = placeIssue(p.source, checked.root, r, redact(), outside, p.substitution, severity, at)
    if (!other) return issue
    if (!several) {
      // One file: the other place as a path, and only where the message cannot show the value.
      if (r.otherNote) issue.message += ` (${r.otherNote}, first declared at ${formatPathShort(other.slice(0, -1))})`
      return issue
    }
    const o = merged.origin(other)
    const related = where(o.file, o.path)
    issue.related = related
    issue.message += ` (${r.otherNote ? `${r.otherNote}, ` : ''}first declared at ${related.file}:${related.line}:${related.column})`
    return issue
  }
  const inFile = (r: RawIssue) => {
    const o = merged.origin(r.path)
    return { o, filtered: substitutionFailed(prepared[o.file]!.substitution, scalarAt(prepared[o.file]!.source, o.path)) }
  }
  for (const m of merged.issues) issues.push(place('error', m.file, m.raw, m.raw.path, m.other))
  for (const r of checked.raws) {
    const { o, filtered } = inFile(r)
    if (!filtered) issues.push(place('error', o.file, r, o.path, r.other))
  }
  for (const w of checked.normalized.warnings) {
    const o = merged.origin(w.path)
    warnings.push(place('warning', o.file, w, o.path, w.other))
  }
  issues.sort(compareIssues)
  warnings.sort(compareIssues)
  if (issues.length > 0 || checked.version === undefined) return { ok: false, hash, issues, warnings }
  const envSources = new Map(prepared.flatMap((p) => [...p.substitution.sources]))
  return { ok: true, hash, config: freeze(checked, envSources), warnings }
}

function formatPathShort(path: readonly PathSegment[]): string {
  return path
    .map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`))
    .join('')
    .replace(/^\./, '')
}

function checkRoot(root: Record<string, unknown>, raws: RawIssue[]): FormatVersion | undefined {
  const known = [...ROOT_META_KEYS, ...COLLECTIONS]
  for (const key of Object.keys(root)) {
    if (!(known as readonly string[]).includes(key)) raws.push({ path: [key], message: unknownFieldMessage(key, known), atKey: true })
  }
  for (const c of COLLECTIONS) {
    if (root[c] !== undefined && !Array.isArray(root[c])) raws.push({ path: [c], message: 'expected an array' })
  }
  if (root._transform !== undefined && typeof root._transform !== 'boolean') raws.push({ path: ['_transform'], message: 'expected a boolean' })
  if (root._comment !== undefined && typeof root._comment !== 'string') raws.push({ path: ['_comment'], message: 'expected a string' })
  if (root._ignore !== undefined && !Array.isArray(root._ignore)) raws.push({ path: ['_ignore'], message: 'expected an array' })
  const v = root._format_version
  if (v === undefined) {
    raws.push({ path: ['_format_version'], message: 'required field missing' })
    return undefined
  }
  if (typeof v !== 'string') {
    raws.push({ path: ['_format_version'], message: 'expected a string' })
    return undefined
  }
  if (!(FORMAT_VERSIONS as readonly string[]).includes(v)) {
    raws.push({ path: ['_format_version'], message: `expected one of: ${FORMAT_VERSIONS.join(', ')}` })
    return undefined
  }
  return v as FormatVersion
}

/**
 * Kong treats a YAML null as "not set"; removing nulls from mappings gives exactly that.
 * Except in a `custom` map (request-callout), where a null value means "remove this field".
 */
function dropNulls(v: unknown, depth = 0, keepNulls = false): unknown {
  if (depth > 200) return v
  if (Array.isArray(v)) return v.map((x) => dropNulls(x, depth + 1))
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) {
      if (x === null && !keepNulls) continue
      // defineProperty, not assignment: a `__proto__` key must stay a key (and be
      // reported as unknown), never become the object's prototype.
      Object.defineProperty(out, k, { value: dropNulls(x, depth + 1, k === 'custom'), enumerable: true, writable: true, configurable: true })
    }
    return out
  }
  return v
}

/** Pre-3.0 route paths: regex-looking paths become `~` paths (Kong's migration). */
function migrateLegacyRoutes(root: Record<string, unknown>): void {
  const migrate = (routes: unknown) => {
    if (!Array.isArray(routes)) return
    for (const r of routes) {
      const paths = (r as Record<string, unknown> | null)?.paths
      if (Array.isArray(paths)) (r as Record<string, unknown>).paths = paths.map((p) => (typeof p === 'string' ? migrateLegacyPath(p) : p))
    }
  }
  migrate(root.routes)
  if (Array.isArray(root.services)) for (const s of root.services) migrate((s as Record<string, unknown> | null)?.routes)
}

function validVaults(items: unknown): VaultEntity[] {
  if (!Array.isArray(items)) return []
  return items.flatMap((v) => {
    const r = parseTables(vaultSchema, v)
    return r.success ? [r.data] : []
  })
}
