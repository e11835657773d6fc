/**
 * The fast path of loading. js-yaml builds plain values about ten times faster
 * than the position-keeping `yaml` document (0.2 s against 2.8 s for a 2.5 MB
 * file), so a file is first read this way. The fast path only ever says "this
 * file is valid": on any parse error, substitution error, config issue or
 * warning, the loader reads the file again through the positioned path, so
 * every problem is still reported with its line and column.
 *
 * To keep both paths agreeing on what a scalar means, the schema below is the
 * YAML 1.2 core schema exactly as the `yaml` package resolves it (no `1_000`
 * integers, no YAML 1.1 booleans), not js-yaml's own CORE_SCHEMA.
 */
import jsyaml from 'js-yaml'

const nullType = new jsyaml.Type('tag:yaml.org,2002:null', {
  kind: 'scalar',
  resolve: (s: string | null) => s === null || s === '' || s === '~' || s === 'null' || s === 'Null' || s === 'NULL',
  construct: () => null,
  predicate: (v: unknown) => v === null,
})

const boolType = new jsyaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (s: string | null) => s !== null && /^(?:true|True|TRUE|false|False|FALSE)$/.test(s),
  construct: (s: string) => s === 'true' || s === 'True' || s === 'TRUE',
  predicate: (v: unknown) => typeof v === 'boolean',
})

const INT_RE = /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/
const intType = new jsyaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (s: string | null) => s !== null && INT_RE.test(s),
  construct: (s: string) => (s.startsWith('0o') ? parseInt(s.slice(2), 8) : s.startsWith('0x') ? parseInt(s.slice(2), 16) : Number(s)),
  predicate: (v: unknown) => typeof v === 'number' && Number.isInteger(v),
})

const FLOAT_RE = /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/
const floatType = new jsyaml.Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (s: string | null) => s !== null && FLOAT_RE.test(s),
  construct: (s: string) => {
    const l = s.toLowerCase()
    if (l.endsWith('.inf')) return l.startsWith('-') ? -Infinity : Infinity
    if (l === '.nan') return NaN
    return Number(s)
  },
  predicate: (v: unknown) => typeof v === 'number',
})

// Integers before floats: `1` must stay an integer-valued number either way.
const CORE = jsyaml.FAILSAFE_SCHEMA.extend({ implicit: [nullType, boolType, intType, floatType] })

// An anchor can only start a node: after a line start, indentation, `- `, `: `,
// `[`, `{` or `,`. Files with anchors take the positioned path, whose alias
// limits guard against "billion laughs" expansion.
const ANCHOR_RE = /(?:^|[\s[{,])&[^\s[\]{},]/m

// A directive (`%YAML 1.1`) is worth a warning, which only the positioned path
// reports: a file that may have one takes that path.
const DIRECTIVE_RE = /^%/m

/** Plain values of the document, or undefined when the fast path does not apply. */
export function fastParse(text: string): unknown {
  if (ANCHOR_RE.test(text) || DIRECTIVE_RE.test(text)) return undefined
  try {
    return jsyaml.load(text, { schema: CORE, json: false })
  } catch {
    return undefined
  }
}

// V8 compiles a regex on its first use. Use every scalar type once here, at a
// shallow stack: compiling one deep inside a pathologically nested document has
// been seen to abort Node 20 ("RegExpCompiler Allocation failed").
fastParse('a: [1, -2, 1.5, .inf, .nan, 0x1F, 0o7, true, False, null, ~, "q", \'s\', plain]\nb: {c: d}\nc: |\n  block\n')
