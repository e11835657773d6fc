// schemas/kong.schema.json is generated from the zod schemas: it must be current, and
// the files we ship must be valid against it (it is what editors check them with).
import { readdirSync, readFileSync } from 'node:fs'
import t from 'tap'
import { parse } from 'yaml'
import Ajv2020 from 'ajv/dist/2020.js'
import { jsonSchema } from '../../src/cli/schemas.js'
import { registry } from '../../src/plugins/registry.js'

const committed = readFileSync('schemas/kong.schema.json', 'utf8')

t.test('schemas/kong.schema.json is up to date (run `npm run schemas`)', async (t) => {
  t.ok(jsonSchema(registry) === committed, 'regenerated schema equals the committed file')
})

t.test('kong.yml and every example validate against the JSON Schema', async (t) => {
  const ajv = new Ajv2020.default({ strict: false, allErrors: true })
  const validate = ajv.compile(JSON.parse(committed) as object)
  const files = [
    'kong.yml',
    ...readdirSync('examples')
      .filter((f) => f.endsWith('.yml'))
      .map((f) => `examples/${f}`),
  ]
  for (const file of files) {
    const ok = validate(parse(readFileSync(file, 'utf8')))
    t.ok(ok, `${file}: ${JSON.stringify(validate.errors?.slice(0, 3))}`)
  }
})

t.test('the JSON Schema catches what an editor should flag', async (t) => {
  const ajv = new Ajv2020.default({ strict: false, allErrors: true })
  const validate = ajv.compile(JSON.parse(committed) as object)
  t.notOk(validate({ _format_version: '3.0', services: [{ name: 'a', host: 'a', retires: 1 }] }), 'unknown field')
  t.notOk(validate({ _format_version: '3.0', plugins: [{ name: 'request-termination', config: { status_code: 'x' } }] }), 'plugin config type')
  t.notOk(validate({ _format_version: '3.0', plugins: [{ name: 'no-such-plugin' }] }), 'unknown plugin')
  t.ok(validate({ _format_version: '3.0', plugins: [{ name: 'request-termination', config: { status_code: 404 } }] }))
})

t.test('every field carries a description', async (t) => {
  const missing: string[] = []
  const walk = (node: unknown, path: string) => {
    if (node === null || typeof node !== 'object') return
    const n = node as Record<string, unknown>
    if (n.properties && typeof n.properties === 'object') {
      for (const [k, v] of Object.entries(n.properties as Record<string, unknown>)) {
        const d = (v as Record<string, unknown>).description
        if (typeof d !== 'string' || d === '') missing.push(`${path}.${k}`)
        walk(v, `${path}.${k}`)
      }
    }
    for (const [k, v] of Object.entries((n.$defs ?? {}) as Record<string, unknown>)) walk(v, `${path}.$defs.${k}`)
    for (const key of ['items', 'oneOf', 'anyOf', 'allOf', 'additionalProperties', 'then', 'else']) {
      const child = n[key]
      if (Array.isArray(child)) child.forEach((c, i) => walk(c, `${path}.${key}[${i}]`))
      else if (child && typeof child === 'object') walk(child, `${path}.${key}`)
    }
  }
  walk(JSON.parse(committed), '$')
  t.same(missing, [], 'fields without a description')
})
