// Property/fuzz test of the validator: whatever the text, loadConfig returns (never throws,
// never hangs) either a config or a non-empty list of issues that each point at a real
// line and column of the file. Seeded: FUZZ_SEED=<n> replays a run or explores a new one.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import t, { type Test } from 'tap'
import { parse, stringify } from 'yaml'
import type { ConfigIssue } from '../../src/config/issues.js'
import { loadConfig, type LoadResult } from '../../src/config/load.js'
import { MAX_NESTING } from '../../src/config/yaml.js'
import { corpusAbsent, corpusFiles, corpusPresent } from '../helpers/outside.js'

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) >>> 0 : 0x5eed_2026
const HANG_MS = 5000
const ROOT = join(import.meta.dirname, '..', '..')
const ENV = { DECK_X: 'from-env', DECK_PORT: '8080', FUZZ: 'vault-value' }

// Documents fed per generator: 4,000 in all, about 15-20 s on 2 cores with coverage on.
const RANDOM_TEXTS = 1500
const TRUNCATIONS = 1000
const MUTATIONS = 1500

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number) {
  let a = seed >>> 0
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number): number => Math.floor(next() * n)
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!
  return { next, int, pick, chance: (p: number) => next() < p }
}
type Rng = ReturnType<typeof prng>

// ---------------------------------------------------------------------------
// Valid documents from disk: examples/, kong.yml and ../shared/corpus (each left out if absent;
// the corpus's absence is said in the output).

function ymlFiles(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'))
    .sort()
    .map((f) => join(dir, f))
}

const SOURCE_FILES = [...ymlFiles(join(ROOT, 'examples')), ...(existsSync(join(ROOT, 'kong.yml')) ? [join(ROOT, 'kong.yml')] : []), ...corpusFiles()]
const SOURCES = SOURCE_FILES.map((f) => ({ name: relative(ROOT, f), text: readFileSync(f, 'utf8') }))

// A base built here, so the mutation fuzzer has a document with every kind of entity even
// when none of the directories above exist.
const BUILT_IN = {
  _format_version: '3.0',
  _transform: true,
  services: [
    {
      name: 'orders',
      url: 'http://orders.internal:8080/v1',
      retries: 3,
      routes: [
        {
          name: 'orders-route',
          paths: ['/orders', '~/orders/(?<id>\\d+)$'],
          methods: ['GET', 'POST'],
          hosts: ['*.example.com'],
          plugins: [{ name: 'request-termination', config: { status_code: 403, message: 'no' } }],
        },
      ],
    },
  ],
  routes: [{ name: 'top', service: 'orders', paths: ['/top'], headers: { 'x-version': ['1'] } }],
  consumers: [
    {
      username: 'alice',
      custom_id: 'a-1',
      keyauth_credentials: [{ key: 'k-1' }],
      acls: [{ group: 'admins' }],
      basicauth_credentials: [{ username: 'alice', password: 'pw' }],
    },
  ],
  upstreams: [
    {
      name: 'orders.upstream',
      algorithm: 'round-robin',
      healthchecks: { active: { http_path: '/health', healthy: { interval: 5 } } },
      targets: [{ target: '10.0.0.1:8080', weight: 50 }],
    },
  ],
  targets: [{ target: '10.0.0.2', upstream: 'orders.upstream' }],
  plugins: [{ name: 'request-termination', service: 'orders', config: { status_code: 503 }, tags: ['t1'] }],
  vaults: [{ prefix: 'my-env', name: 'env', config: { prefix: 'FUZZ' } }],
}

const BASES: { name: string; value: unknown }[] = [{ name: 'built-in', value: BUILT_IN }]
for (const s of SOURCES) {
  try {
    const value: unknown = parse(s.text)
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) BASES.push({ name: s.name, value })
  } catch {
    // Not YAML the package parses on its own: still used for truncations.
  }
}

// ---------------------------------------------------------------------------
// The property, checked on every document; violations are counted, not asserted one by one.

interface Violations {
  fed: number
  /** ok:false with an issue that has a path: validation got past the YAML parser. */
  reachedSchema: number
  slowestMs: number
  byKind: Map<string, { count: number; examples: { doc: string; problem: string; input: string }[] }>
}

const newViolations = (): Violations => ({ fed: 0, reachedSchema: 0, slowestMs: 0, byKind: new Map() })

function record(v: Violations, kind: string, label: string, text: string, detail: string): void {
  let entry = v.byKind.get(kind)
  if (!entry) v.byKind.set(kind, (entry = { count: 0, examples: [] }))
  entry.count++
  if (entry.examples.length < 3) entry.examples.push({ doc: label, problem: detail, input: `${text.length} chars: ${JSON.stringify(text.slice(0, 240))}` })
}

function issueProblem(i: ConfigIssue, file: string, severity: ConfigIssue['severity']): string | undefined {
  if (i.severity !== severity) return `severity ${JSON.stringify(i.severity)}, expected ${JSON.stringify(severity)}`
  if (!Number.isInteger(i.line) || i.line < 1) return `line ${String(i.line)}`
  if (!Number.isInteger(i.column) || i.column < 1) return `column ${String(i.column)}`
  if (typeof i.message !== 'string' || i.message === '') return `message ${JSON.stringify(i.message)}`
  if (typeof i.path !== 'string') return `path ${JSON.stringify(i.path)}`
  if (i.file !== file) return `file ${JSON.stringify(i.file)}, expected ${JSON.stringify(file)}`
  if (i.entity !== undefined && typeof i.entity !== 'string') return `entity ${JSON.stringify(i.entity)}`
  return undefined
}

function check(v: Violations, text: string, label: string): void {
  v.fed++
  const file = `fuzz/${v.fed}.yml`
  let r: LoadResult
  const start = performance.now()
  try {
    r = loadConfig(text, { file, env: ENV })
  } catch (err) {
    record(v, 'throws', label, text, err instanceof Error ? (err.stack ?? err.message).split('\n').slice(0, 4).join(' | ') : String(err))
    return
  }
  const ms = performance.now() - start
  v.slowestMs = Math.max(v.slowestMs, ms)
  if (ms > HANG_MS) record(v, 'hangs', label, text, `took ${ms.toFixed(0)} ms`)

  if (r === null || typeof r !== 'object' || typeof r.hash !== 'string' || !Array.isArray(r.warnings)) {
    record(v, 'bad result', label, text, JSON.stringify(r)?.slice(0, 200) ?? String(r))
    return
  }
  if (r.ok === true) {
    if (r.config === null || typeof r.config !== 'object') record(v, 'bad result', label, text, 'ok:true without a config object')
  } else if (r.ok === false) {
    if (!Array.isArray(r.issues) || r.issues.length === 0) record(v, 'bad result', label, text, 'ok:false without issues')
    else {
      if (r.issues.some((i) => i.path !== '')) v.reachedSchema++
      for (const i of r.issues) {
        const problem = issueProblem(i, file, 'error')
        if (problem) {
          record(v, 'bad issue', label, text, `${problem} in ${JSON.stringify(i).slice(0, 300)}`)
          break
        }
      }
    }
  } else record(v, 'bad result', label, text, `ok is ${JSON.stringify((r as { ok: unknown }).ok)}`)
  for (const w of r.warnings) {
    const problem = issueProblem(w, file, 'warning')
    if (problem) {
      record(v, 'bad warning', label, text, `${problem} in ${JSON.stringify(w).slice(0, 300)}`)
      break
    }
  }
}

const KINDS = ['throws', 'hangs', 'bad result', 'bad issue', 'bad warning']

function report(t: Test, v: Violations, what: string): void {
  t.comment(`${what}: ${v.fed} documents, ${v.reachedSchema} reached schema validation, slowest ${v.slowestMs.toFixed(0)} ms`)
  for (const kind of KINDS) {
    const e = v.byKind.get(kind)
    const never = kind === 'throws' || kind === 'hangs' ? kind : `returns a ${kind}`
    t.equal(
      e?.count ?? 0,
      0,
      `${what}: loadConfig never ${never} (FUZZ_SEED=${SEED})`,
      e ? { replay: `FUZZ_SEED=${SEED} npx tap test/config/fuzz.test.ts`, first: e.examples } : {},
    )
  }
  t.ok(v.fed > 0, `${what}: documents were generated (seed ${SEED})`)
}

// yaml's toJS warns through process.emitWarning for collection keys (`{[a]: b}`), which
// random text makes now and then; they would only clutter tap's output. Counted, not printed.
function quietly(fn: () => void): number {
  const original = process.emitWarning
  let warnings = 0
  process.emitWarning = (() => {
    warnings++
  }) as typeof process.emitWarning
  try {
    fn()
    return warnings
  } finally {
    process.emitWarning = original
  }
}

// ---------------------------------------------------------------------------
// Random YAML-ish text: token soup, random characters, and random trees written as YAML.

const TOKENS = [
  ':',
  ': ',
  '-',
  '- ',
  '[',
  ']',
  '{',
  '}',
  ',',
  '? ',
  '&a ',
  '&b ',
  '*a',
  '*b',
  '<<: *a',
  '!!binary ',
  '!!str ',
  '!!int ',
  '!!map',
  '!!seq',
  '!local ',
  '!<tag:yaml.org,2002:str> ',
  '"',
  "'",
  '\\',
  '\\"',
  '#',
  '# comment',
  '|',
  '|-',
  '>',
  '>+2',
  '---',
  '...',
  '%YAML 1.2',
  '%TAG ! tag:x,2000:',
  '~',
  'null',
  'true',
  'False',
  '.inf',
  '-.Inf',
  '.nan',
  '0x1F',
  '0o17',
  '1e308',
  '-1',
  '-0',
  '3.0',
  '"3.0"',
  '007',
  '1_000',
  '_format_version',
  '_transform',
  'services',
  'routes',
  'plugins',
  'consumers',
  'upstreams',
  'targets',
  'certificates',
  'snis',
  'vaults',
  'name',
  'host',
  'url',
  'paths',
  'port',
  'protocol',
  'config',
  'tags',
  'hosts',
  'headers',
  'request-termination',
  'http://a.internal',
  '/api',
  '~/(a+)+$',
  '${{ env "DECK_X" }}',
  '${{ env "DECK_PORT" | toInt }}',
  '${{',
  '}}',
  '{vault://env/fuzz}',
  '{vault://',
  'constructor',
  '__proto__',
  'toString',
  '\t',
  '\n',
  '\r\n',
  '\r',
  ' ',
  '  ',
  '\u0000',
  '\uFEFF',
  '\u0085',
  '\u2028',
  '\uD800',
  '\u00e9',
  '\u{1F600}',
  '\x7f',
  '@',
  '`',
  '%',
  '=',
]

function randomChars(rng: Rng, n: number): string {
  let s = ''
  for (let i = 0; i < n; i++) {
    const r = rng.next()
    s += String.fromCharCode(r < 0.6 ? 32 + rng.int(95) : r < 0.8 ? rng.int(32) : r < 0.95 ? 128 + rng.int(0x2000) : rng.int(0x10000))
  }
  return s
}

const KEYS = [
  '_format_version',
  'services',
  'routes',
  'plugins',
  'consumers',
  'upstreams',
  'targets',
  'name',
  'host',
  'url',
  'paths',
  'port',
  'config',
  'tags',
  'hosts',
  'headers',
  'healthchecks',
  'active',
  'x',
]

const SCALARS = [
  'a',
  'x.internal',
  'http://a.internal:80/p',
  '/api',
  '8080',
  '-1',
  '1e308',
  'true',
  'null',
  '~',
  '"3.0"',
  "'q'",
  '[]',
  '{}',
  '[a, b]',
  'request-termination',
  '${{ env "DECK_X" }}',
  '{vault://env/fuzz}',
]

/** A random tree written as block YAML, leaves raw; then, sometimes, one token dropped in anywhere. */
function randomLines(rng: Rng): string {
  const emit = (depth: number, indent: string): string => {
    let out = ''
    const seq = depth > 0 && rng.chance(0.4)
    for (let n = 1 + rng.int(4); n > 0; n--) {
      const head = seq ? `${indent}-` : `${indent}${rng.pick(KEYS)}:`
      out +=
        depth < 5 && rng.chance(0.45)
          ? `${head}\n${emit(depth + 1, `${indent}  `)}`
          : `${head} ${rng.chance(0.8) ? rng.pick(SCALARS) : rng.pick(TOKENS).replace(/[\r\n]/g, '')}\n`
    }
    return out
  }
  let s = `_format_version: "3.0"\n${emit(0, '')}`
  if (rng.chance(0.3)) {
    const at = rng.int(s.length + 1)
    s = s.slice(0, at) + rng.pick(TOKENS) + s.slice(at)
  }
  return s
}

function randomText(rng: Rng): string {
  const style = rng.int(10)
  if (style === 0) return randomChars(rng, rng.int(400))
  if (style < 4) return randomLines(rng)
  let s = rng.chance(0.5) ? '_format_version: "3.0"\n' : ''
  const n = 1 + rng.int(style === 1 ? 600 : 80)
  for (let i = 0; i < n; i++) {
    const r = rng.next()
    if (r < 0.55) s += rng.pick(TOKENS)
    else if (r < 0.7) s += `\n${' '.repeat(rng.chance(0.1) ? rng.int(300) : rng.int(12))}`
    else if (r < 0.8) s += rng.pick([' ', ': ', '- ', ', '])
    else if (r < 0.9) s += randomChars(rng, 1 + rng.int(8))
    else if (r < 0.95) s += rng.pick(['[', '{', '- ']).repeat(1 + rng.int(rng.chance(0.2) ? 400 : 20))
    else s += `\n${'  '.repeat(rng.int(40))}${rng.pick(['- ', 'k: ', '? ', ''])}`
  }
  return s
}

// ---------------------------------------------------------------------------
// Structural mutations of a parsed valid document, written back with yaml's stringify.

type Path = (string | number)[]

function nested(depth: number): unknown {
  let v: unknown = []
  for (let i = 1; i < depth; i++) v = [v]
  return v
}

const WRONG_VALUES: (() => unknown)[] = [
  () => 'x',
  () => '',
  () => 1e308,
  () => -1e308,
  () => -1,
  () => 0,
  () => 3.5,
  () => 2 ** 53 + 1,
  () => NaN,
  () => Infinity,
  () => 'NaN',
  () => 'nan',
  () => '.nan',
  () => '-Infinity',
  () => '-0',
  () => null,
  () => [],
  () => ({}),
  () => true,
  () => [null],
  () => [[]],
  () => ({ '': '' }),
  () => ({ id: 1, name: [] }),
  () => nested(200),
  () => 'a'.repeat(100_000),
  () => ['a'.repeat(100_000)],
  () => '${{ env "DECK_X" }}',
  () => '${{ env "DECK_UNSET" }}',
  () => '${{ env "DECK_PORT" | toInt }}',
  () => '{vault://env/fuzz}',
  () => '{vault://my-env/missing/key}',
  () => '\u0000\uFFFE\uD800',
  () => '~/(a+)+$',
  () => '/a/../b//c%zz',
  () => 'http://[::1]:99999/x',
  () => [{}],
  () => `\${{${' '.repeat(3000)}x${' '.repeat(3000)}`,
]

const UNKNOWN_KEYS = [
  'nmae',
  'hots',
  'rotues',
  'pluginz',
  'x',
  '',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '_comment',
  '_ignore',
  'k'.repeat(5000),
]

function paths(value: unknown, out: Path[] = [], path: Path = [], depth = 0): Path[] {
  if (depth > 30 || out.length > 5000 || value === null || typeof value !== 'object') return out
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value)
  for (const [k, v] of entries) {
    out.push([...path, k])
    paths(v, out, [...path, k], depth + 1)
  }
  return out
}

function parentOf(root: unknown, path: Path): Record<string | number, unknown> | undefined {
  let node = root
  for (const seg of path.slice(0, -1)) node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[seg] : undefined
  return node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>) : undefined
}

/** The arrays or the objects in a document, root included. */
function containers(root: unknown, want: 'array' | 'object'): unknown[] {
  const all = [root, ...paths(root).map((p) => parentOf(root, p)![p[p.length - 1]!])]
  return all.filter((n) => n !== null && typeof n === 'object' && Array.isArray(n) === (want === 'array'))
}

function mutate(rng: Rng, doc: unknown): string {
  const kind = rng.int(4)
  const all = paths(doc)
  if (kind === 0 && all.length > 0) {
    const p = rng.pick(all)
    parentOf(doc, p)![p[p.length - 1]!] = rng.pick(WRONG_VALUES)()
    return `replace ${p.join('.')}`
  }
  if (kind === 1) {
    const keyed = all.filter((p) => typeof p[p.length - 1] === 'string')
    if (keyed.length > 0) {
      const p = rng.pick(keyed)
      delete parentOf(doc, p)![p[p.length - 1]!]
      return `delete ${p.join('.')}`
    }
  }
  if (kind === 2) {
    const objects = containers(doc, 'object') as Record<string, unknown>[]
    const key = rng.chance(0.7) ? rng.pick(UNKNOWN_KEYS) : randomChars(rng, 1 + rng.int(12))
    // defineProperty: `__proto__` becomes a key the file writes, not a prototype change here.
    Object.defineProperty(rng.pick(objects), key, {
      value: rng.chance(0.5) ? rng.pick(WRONG_VALUES)() : 'x',
      enumerable: true,
      writable: true,
      configurable: true,
    })
    return `add key ${JSON.stringify(key.slice(0, 20))}`
  }
  const arrays = containers(doc, 'array') as unknown[][]
  const nonEmpty = arrays.filter((a) => a.length > 0)
  if (nonEmpty.length === 0) return 'none'
  const arr = rng.pick(nonEmpty)
  const item = rng.pick(arr)
  // Half the time a deep copy, half the same object (yaml then writes an anchor and alias).
  arr.splice(rng.int(arr.length + 1), 0, rng.chance(0.5) ? structuredClone(item) : item)
  return 'duplicate an array item'
}

// ---------------------------------------------------------------------------

// Each generator stops after its first hang, so that the report comes before tap's timeout.
t.comment(`fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED}); sources: ${SOURCES.length} files, ${BASES.length} mutation bases`)

t.test('random YAML-ish text', async (t) => {
  const rng = prng(SEED)
  const v = newViolations()
  const warnings = quietly(() => {
    for (let i = 0; i < RANDOM_TEXTS && !v.byKind.has('hangs'); i++) check(v, randomText(rng), `seed ${SEED} random #${i}`)
  })
  t.comment(`yaml process warnings suppressed: ${warnings}`)
  report(t, v, 'random text')
})

t.test('truncations of valid documents', async (t) => {
  if (!corpusPresent()) corpusAbsent(t, 'truncations and mutations of the real-world corpus (the examples and kong.yml are used)')
  const rng = prng(SEED ^ 0x7a11)
  const v = newViolations()
  const texts = [...SOURCES, { name: 'built-in', text: stringify(BUILT_IN) }]
  quietly(() => {
    for (let i = 0; i < TRUNCATIONS && !v.byKind.has('hangs'); i++) {
      const s = texts[i % texts.length]!
      const at = rng.int(s.text.length + 1)
      check(v, s.text.slice(0, at), `seed ${SEED} truncation #${i} of ${s.name} at ${at}`)
    }
  })
  report(t, v, 'truncations')
  t.ok(v.reachedSchema > 0, `some truncations got past the YAML parser (seed ${SEED})`)
})

t.test('structural mutations of valid documents', async (t) => {
  const rng = prng(SEED ^ 0x3a7e)
  const v = newViolations()
  quietly(() => {
    for (let i = 0; i < MUTATIONS && !v.byKind.has('hangs'); i++) {
      const base = BASES[i % BASES.length]!
      const doc = structuredClone(base.value)
      const done: string[] = []
      for (let m = 1 + rng.int(4); m > 0; m--) done.push(mutate(rng, doc))
      let text: string
      try {
        text = stringify(doc, { aliasDuplicateObjects: rng.chance(0.5) })
      } catch (err) {
        record(v, 'unstringifiable', `mutation #${i}`, '', String(err))
        continue
      }
      check(v, text, `seed ${SEED} mutation #${i} of ${base.name}: ${done.join('; ')}`)
    }
  })
  report(t, v, 'mutations')
  t.equal(v.byKind.get('unstringifiable')?.count ?? 0, 0, `mutated documents serialize (seed ${SEED})`)
  t.ok(v.reachedSchema > v.fed / 2, `most mutations reach schema validation: ${v.reachedSchema} of ${v.fed} (seed ${SEED})`)
})

// ---------------------------------------------------------------------------
// Nasty cases, each on its own.

function timed(text: string, file = 'kong.yml'): { r: LoadResult; ms: number } {
  const start = performance.now()
  const r = loadConfig(text, { file, env: ENV })
  return { r, ms: performance.now() - start }
}

function issuesOf(r: LoadResult): ConfigIssue[] {
  return r.ok ? [] : r.issues
}

const lines = (...l: string[]) => `${l.join('\n')}\n`

t.test('billion laughs: an alias bomb is refused quickly', async (t) => {
  const bomb = ['_format_version: "3.0"', '_ignore:', '  - &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  for (const [prev, name] of ['ab', 'bc', 'cd', 'de', 'ef', 'fg', 'gh', 'hi']) bomb.push(`  - &${name} [${Array(9).fill(`*${prev}`).join(',')}]`)
  const { r, ms } = timed(lines(...bomb))
  t.ok(ms < HANG_MS, `took ${ms.toFixed(0)} ms`)
  t.equal(r.ok, false)
  t.match(issuesOf(r), [{ line: 1, column: 1, path: '', message: /alias/i }])
})

t.test('a 1 MB single-line string', async (t) => {
  const big = 'x'.repeat(1 << 20)
  const ok = timed(lines('_format_version: "3.0"', `_comment: "${big}"`))
  t.ok(ok.ms < HANG_MS, `took ${ok.ms.toFixed(0)} ms`)
  t.equal(ok.r.ok, true)
  const bad = timed(lines('_format_version: "3.0"', 'services:', `  - name: ${big}`, `    host: ${big}!`))
  t.ok(bad.ms < HANG_MS, `took ${bad.ms.toFixed(0)} ms`)
  t.match(issuesOf(bad.r), [{ line: 4, column: 11, path: 'services[0].host', message: /^invalid value: x+!$/ }])
})

t.test('documents that are not a mapping', async (t) => {
  for (const text of ['null', 'null\n', '[]', '42', '', '~', '"3.0"', '---\n...\n', '# only a comment\n']) {
    const { r } = timed(text)
    t.same(
      issuesOf(r),
      [{ file: 'kong.yml', line: 1, column: 1, path: '', message: 'failed parsing declarative configuration: expected an object', severity: 'error' }],
      JSON.stringify(text),
    )
  }
})

t.test('a byte-order mark is not part of the first key', async (t) => {
  const bom = '\uFEFF'
  t.equal(timed(`${bom}${lines('_format_version: "3.0"', 'services:', '  - name: a', '    host: a.internal')}`).r.ok, true)
  t.same(issuesOf(timed(`${bom}${lines('_format_version: "3.0"', 'services:', '  - name: a', '    host: a.internal', '    port: 99999')}`).r), [
    {
      file: 'kong.yml',
      line: 5,
      column: 11,
      path: 'services[0].port',
      message: 'value should be between 0 and 65535',
      severity: 'error',
      entity: "service 'a'",
    },
  ])
})

t.test('CRLF line endings: issues point at the right line and column', async (t) => {
  const crlf = (...l: string[]) => `${l.join('\r\n')}\r\n`
  const doc = ['_format_version: "3.0"', 'services:', '  - name: a', '    host: a.internal', '    retires: 3', '    port: 99999']
  const got = issuesOf(timed(crlf(...doc)).r)
  t.same(got, [
    {
      file: 'kong.yml',
      line: 5,
      column: 5,
      path: 'services[0].retires',
      message: "unknown field (did you mean 'retries'?)",
      severity: 'error',
      entity: "service 'a'",
    },
    {
      file: 'kong.yml',
      line: 6,
      column: 11,
      path: 'services[0].port',
      message: 'value should be between 0 and 65535',
      severity: 'error',
      entity: "service 'a'",
    },
  ])
  t.same(got, issuesOf(timed(lines(...doc)).r), 'same positions as with LF')
  const syntax = issuesOf(timed(crlf('_format_version: "3.0"', 'services:', '  - name: a', '    url: [http://a', '  routes: x')).r)
  t.ok(syntax.length >= 1 && syntax[0]!.line >= 4, `YAML error on line ${syntax[0]?.line}`)
})

// Regression: a file nested ~1000 deep made yaml's composer overflow the stack, and on
// the second such file V8 aborted the process ("RegExpCompiler Allocation failed").
t.test('deep nesting is refused, and does not take the process down when repeated', async (t) => {
  const message = `YAML: collections nested more than ${MAX_NESTING} levels deep`
  const flow = '['.repeat(5000) + ']'.repeat(5000)
  const block = Array.from({ length: 2000 }, (_, d) => `${' '.repeat(d)}- `).join('\n')
  for (let i = 0; i < 3; i++) {
    const f = timed(flow)
    t.ok(f.ms < HANG_MS, `took ${f.ms.toFixed(0)} ms`)
    t.same(issuesOf(f.r), [{ file: 'kong.yml', line: 1, column: MAX_NESTING + 1, path: '', message, severity: 'error' }])
    const b = timed(block)
    t.ok(b.ms < HANG_MS, `took ${b.ms.toFixed(0)} ms`)
    t.same(issuesOf(b.r), [{ file: 'kong.yml', line: MAX_NESTING + 1, column: MAX_NESTING + 1, path: '', message, severity: 'error' }])
  }
  const deepest = (n: number) => lines('_format_version: "3.0"', `_ignore: ${'['.repeat(n)}${']'.repeat(n)}`)
  t.equal(timed(deepest(MAX_NESTING - 1)).r.ok, true, `${MAX_NESTING} levels, the root mapping included, are accepted`)
  t.match(issuesOf(timed(deepest(MAX_NESTING)).r), [{ line: 2, column: 9 + MAX_NESTING, message: /nested more than/ }])
})

// Regression: `\s*(.*?)\s*` in the template pattern backtracked cubically on an unclosed `${{`.
t.test('an unclosed ${{ followed by a long run of blanks', async (t) => {
  const { r, ms } = timed(lines('_format_version: "3.0"', `_comment: "\${{${' '.repeat(100_000)}x${' '.repeat(100_000)}"`))
  t.ok(ms < HANG_MS, `took ${ms.toFixed(0)} ms`)
  // Go's template parser, which decK runs over the text, refuses an action that never closes.
  t.match(r.ok ? [] : r.issues.map((i) => i.message), ['unterminated quoted string'], 'refused, as decK refuses it')
  const sub = timed(lines('_format_version: "3.0"', 'services:', `  - name: '\${{   env "DECK_X"   }}'`, '    host: a.internal'))
  t.equal(sub.r.ok && sub.r.config.services[0]?.name, 'from-env', 'templates with blanks inside still substitute')
})

// Regression: an issue under a map key named `constructor` looked up Object in a table and threw.
t.test('keys named like Object.prototype members', async (t) => {
  const { r } = timed(
    lines('_format_version: "3.0"', 'upstreams:', '  - name: u', '    healthchecks:', '      active:', '        headers:', '          constructor: [{}]'),
  )
  t.match(issuesOf(r), [{ line: 7, column: 25, path: 'upstreams[0].healthchecks.active.headers.constructor[0]', message: 'expected a string' }])
})
