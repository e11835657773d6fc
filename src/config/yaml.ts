/**
 * YAML (and JSON, a subset of it) parsed with source positions kept, so that
 * every problem can be reported as file:line:column.
 */
import { Composer, isMap, isPair, isScalar, isSeq, LineCounter, Parser, YAMLParseError, YAMLWarning, type CST, type Document, type Node, type Pair } from 'yaml'
import type { PathSegment, RawIssue } from './issues.js'

export interface Position {
  line: number
  column: number
}

export interface SourceFile {
  readonly file: string
  readonly doc: Document.Parsed
  /** Line and column, in the file as written, of an offset in the text parsed (which decK templates may have changed). */
  position(offset: number): Position
}

export interface ParsedYaml {
  source: SourceFile
  /**
   * Syntax errors. A fatal one leaves no usable document; a duplicate key is
   * not fatal: the document is whole (the later value wins, as in toJS) and
   * the rest of the file can still be checked.
   */
  errors: { position: Position; message: string; fatal: boolean }[]
  warnings: { position: Position; message: string }[]
}

/**
 * Collections nested deeper than this are refused before they are composed.
 * yaml's composer recurses per level and reports a stack overflow as an error,
 * but on Node 20 a regex compiled at that depth kills the process ("FATAL
 * ERROR: RegExpCompiler Allocation failed"): the second ~1000-level file in
 * one process did, so a bad file could take `gateway serve` down on reload.
 */
export const MAX_NESTING = 256

/** `position`: where an offset of `text` lies in the file as written, when `text` is a rendering of it. */
export function parseYaml(text: string, file: string, position?: (offset: number) => Position): ParsedYaml {
  const lines = new LineCounter()
  // What parseDocument does, with the nesting checked between parsing and
  // composing. YAML 1.2 core schema: `yes`/`no` stay strings and there are no
  // sexagesimal numbers. Duplicate keys are errors: one of the two values would be lost.
  const tokens = [...new Parser(lines.addNewLine).parse(text)]
  const tooDeep = tooDeepAt(tokens)
  const docs = [...new Composer(COMPOSE).compose(tooDeep === undefined ? tokens : [], true, text.length)]
  const doc = docs[0]!
  if (docs[1])
    doc.errors.push(
      new YAMLParseError([docs[1].range[0], docs[1].range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents; please use YAML.parseAllDocuments()'),
    )
  if (tooDeep !== undefined)
    doc.errors.push(new YAMLParseError([tooDeep, tooDeep + 1], 'RESOURCE_EXHAUSTION', `collections nested more than ${MAX_NESTING} levels deep`))
  const directive = yaml11Directive(tokens)
  if (directive !== undefined) doc.warnings.push(new YAMLWarning([directive, directive + 1], 'BAD_DIRECTIVE', YAML_11_IGNORED))
  const at = (offset: number | undefined): Position => {
    if (position) return position(offset ?? 0)
    const p = lines.linePos(offset ?? 0)
    return { line: p.line, column: p.col }
  }
  const source: SourceFile = { file, doc, position: at }
  return {
    source,
    errors: doc.errors.map((e) => ({ position: at(e.pos[0]), message: cleanYamlMessage(e.message), fatal: e.code !== 'DUPLICATE_KEY' })),
    warnings: doc.warnings.map((w) => ({ position: at(w.pos[0]), message: cleanYamlMessage(w.message) })),
  }
}

/**
 * Every document is read with the YAML 1.2 core schema, whatever its `%YAML`
 * directive says. Left to itself the yaml package switches a `%YAML 1.1`
 * document to its 1.1 schema (`yes`/`on` become true, `0777` octal, `1:30`
 * sexagesimal), so one header line would silently change what the values of
 * the file mean. With `schema` (and `resolveKnownTags`, as 1.2 has it) given
 * here, a 1.1 document reads exactly as the same text without the directive.
 */
const COMPOSE = { prettyErrors: false, uniqueKeys: true, schema: 'core', resolveKnownTags: true } as const

/**
 * Kong reads kong.yml with a YAML 1.1 parser, so a file written for Kong may
 * carry `%YAML 1.1`. It loads here (refusing it would refuse a file Kong
 * accepts), with a warning: the values that mean something else in 1.2 then
 * get their own errors where a type matters (`enabled: yes`: expected a boolean).
 */
export const YAML_11_IGNORED =
  '%YAML 1.1 directive ignored: the file is read as YAML 1.2 (core schema), so yes/no/on/off are strings, not booleans, and 0777 is decimal'

/** Offset of a `%YAML 1.1` directive before the first document, if any. */
function yaml11Directive(tokens: readonly CST.Token[]): number | undefined {
  for (const token of tokens) {
    if (token.type === 'document') return undefined
    if (token.type === 'directive' && /^%YAML[ \t]+1\.1(?:[ \t#]|$)/.test(token.source)) return token.offset
  }
  return undefined
}

/** Offset of a collection nested deeper than MAX_NESTING, if any; iterative, as the check must not overflow itself. */
function tooDeepAt(tokens: readonly CST.Token[]): number | undefined {
  const stack: [CST.Token, number][] = tokens.map((t) => [t, 0])
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [token, depth] = next
    if (token.type === 'document') {
      if (token.value) stack.push([token.value, depth])
    } else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      if (depth >= MAX_NESTING) return token.offset
      for (const item of token.items) {
        if (item.key) stack.push([item.key, depth + 1])
        if (item.value) stack.push([item.value, depth + 1])
      }
    }
  }
  return undefined
}

function cleanYamlMessage(m: string): string {
  // The yaml package appends a source excerpt after a blank line; we print our own position.
  const first = m.split('\n')[0] ?? m
  return `YAML: ${first.replace(/ at line \d+, column \d+:?$/, '')}`
}

/** The node at `path`, or the deepest existing ancestor, with the pair that holds it. */
function walk(
  source: SourceFile,
  path: readonly PathSegment[],
): { node: Node | null; pair?: Pair | undefined; complete: boolean; parentMap?: Node | undefined } {
  let node = source.doc.contents as Node | null
  let pair: Pair | undefined
  let parentMap: Node | undefined
  for (const seg of path) {
    if (isMap(node)) {
      // The last pair with the key: the value toJS keeps when a key is duplicated.
      const found = node.items.findLast((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg))
      if (!found) return { node, pair, complete: false, parentMap: node }
      parentMap = node
      pair = found as Pair
      node = (found.value as Node | null) ?? (found.key as Node)
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined
      if (!item) return { node, pair, complete: false }
      pair = undefined
      parentMap = undefined
      node = item
    } else {
      return { node, pair, complete: false }
    }
  }
  return { node, pair, complete: true, parentMap }
}

const URL_FIELDS = new Set(['protocol', 'host', 'port', 'path'])

/** Where an issue points: the value at its path, the key for unknown keys, or the nearest parent. */
export function locate(source: SourceFile, issue: Pick<RawIssue, 'path' | 'atKey'>): Position {
  const { node, pair, complete, parentMap } = walk(source, issue.path)
  let offset: number | undefined
  if (complete && issue.atKey && pair && isScalar(pair.key)) offset = pair.key.range?.[0]
  else if (complete) offset = node?.range?.[0]
  else {
    // A field that came from a service's `url` shorthand points at the url.
    const last = issue.path[issue.path.length - 1]
    const target = parentMap ?? node
    if (typeof last === 'string' && URL_FIELDS.has(last) && isMap(target)) {
      const urlPair = target.items.find((p) => isScalar(p.key) && p.key.value === 'url')
      if (urlPair) offset = (urlPair.value as Node | null)?.range?.[0]
    }
    offset ??= node?.range?.[0]
  }
  return source.position(offset ?? 0)
}

/** The scalar node at `path`, if there is one (used to mark substituted values). */
export function scalarAt(source: SourceFile, path: readonly PathSegment[]): Node | undefined {
  const { node, complete } = walk(source, path)
  return complete && isScalar(node) ? node : undefined
}
