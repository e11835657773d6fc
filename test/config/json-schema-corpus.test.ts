// The JSON Schema editors use and `gateway validate` (loadConfig, which the
// command runs) give the same verdict on every real kong.yml in ../shared/corpus,
// but for the exceptions below: checks a JSON Schema cannot express.
// Needs ../shared/corpus beside the checkout; without it this file passes and
// says what it did not check.
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import Ajv2020 from 'ajv/dist/2020.js'
import { loadConfig } from '../../src/config/load.js'
import { corpusAbsent, corpusFiles, corpusPresent } from '../helpers/outside.js'

/** Files the schema accepts and the loader refuses, and why no JSON Schema can say so. */
const SCHEMA_CANNOT_TELL: Record<string, string> = {
  '36-HuanNT03-SOC_Gateway_for_Juice-shop.yml': 'pre-function Lua is compiled when the file is loaded; its syntax error is beyond a JSON Schema',
  '39-DankeyDevDave-KongGuardAl.yml': 'a certificate PEM is parsed when the file is loaded; a truncated one is still a string',
}

if (!corpusPresent()) {
  t.test('the corpus is beside the project', async (t) => {
    corpusAbsent(t, 'the JSON Schema agreeing with gateway validate on real kong.yml files')
  })
} else {
  const validate = new Ajv2020.default({ strict: false, allErrors: true }).compile(JSON.parse(readFileSync('schemas/kong.schema.json', 'utf8')) as object)
  for (const path of corpusFiles()) {
    const file = basename(path)
    t.test(file, async (t) => {
      const text = readFileSync(path, 'utf8')
      const gateway = loadConfig(text, { file, env: {} })
      const schema = validate(parse(text))
      const why = SCHEMA_CANNOT_TELL[file]
      if (why !== undefined) {
        t.same({ schema, gateway: gateway.ok }, { schema: true, gateway: false }, `deliberate exception: ${why}`)
        return
      }
      const problems = gateway.ok ? [] : gateway.issues.slice(0, 3).map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`)
      const flagged = (validate.errors ?? []).filter((e) => e.keyword !== 'const' && e.keyword !== 'oneOf').slice(0, 3)
      t.equal(schema, gateway.ok, `same verdict (gateway: ${JSON.stringify(problems)}; schema: ${JSON.stringify(flagged)})`)
    })
  }
}
