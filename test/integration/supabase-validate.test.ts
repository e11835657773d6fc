// Issue 13: both of Supabase's rendered gateway files (../shared/corpus/supabase-rendered) pass
// `gateway validate`, as Kong loads them. Their request-transformer templates are Lua expressions
// (`$((headers.authorization ~= nil and headers.authorization:sub(1, 10) ~= 'Bearer sb_' and ...)`,
// `$(nil)`) and their post-functions are Lua. Until the Lua runtime is merged, both files are
// refused with "unsupported template expression" (24 errors), and these tests fail.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { corpusAbsent } from '../helpers/outside.js'
import { RENDERED, renderedPresent } from '../helpers/supabase.js'

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gateway')
const FILES = ['kong.rendered.yml', 'kong.rendered-legacy.yml']

if (!renderedPresent()) {
  t.test('the rendered Supabase files are beside the project', async (t) => {
    corpusAbsent(t, "`gateway validate` on Supabase's rendered kong.yml files")
  })
}

for (const name of renderedPresent() ? FILES : []) {
  const file = join(RENDERED, name)
  const text = readFileSync(file, 'utf8')

  t.test(`${name}: the config loads with no issue`, async (t) => {
    const r = loadConfig(text, { file, env: {} })
    t.same(r.ok ? [] : r.issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`), [], 'no issue')
    t.ok(r.ok, 'valid')
  })

  t.test(`${name}: gateway validate exits 0`, async (t) => {
    const doc = parse(text) as { services: { routes?: unknown[] }[]; consumers: unknown[] }
    const services = doc.services.length
    const routes = doc.services.reduce((n, s) => n + (s.routes?.length ?? 0), 0)
    const r = spawnSync(process.execPath, [BIN, 'validate', file], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } })
    t.equal(r.status, 0, 'exit code 0')
    t.match(r.stdout, `${file}: OK (${services} services, ${routes} routes, ${doc.consumers.length} consumers`, 'the summary counts what the file declares')
    t.equal(r.stderr, '', 'no warning')
  })
}
