// examples/github/kong-config-pr.yml: a workflow GitHub can read, whose `gateway` commands
// exist with those flags and do what the later steps expect (run here on a pair of files).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { gatewayCli } from '../helpers/gateway-cli.js'

const WORKFLOW = join(import.meta.dirname, '..', '..', 'examples', 'github', 'kong-config-pr.yml')
const FIXTURES = join(import.meta.dirname, 'diff-fixtures')
const VAULT_ENV = { GW_API_KEY: 'vault-value-old-1234', GATEWAY_API_KEY: 'vault-value-new-5678' }

interface Step {
  name?: string
  id?: string
  run?: string
  uses?: string
  if?: string
}
interface Workflow {
  on: { pull_request: { paths: string[] } }
  permissions: Record<string, string>
  jobs: Record<string, { 'runs-on': string; env: Record<string, string>; steps: Step[] }>
}

const workflow = parse(readFileSync(WORKFLOW, 'utf8')) as Workflow
const job = Object.values(workflow.jobs)[0]!

/** A shell line's words: double quotes grouped, the variables the job sets replaced. */
function words(line: string, vars: Record<string, string>): string[] {
  const out: string[] = []
  for (const m of line.matchAll(/"([^"]*)"|(\S+)/g)) out.push((m[1] ?? m[2]!).replace(/\$(\w+)/g, (_, v: string) => vars[v] ?? `$${v}`))
  return out
}

/** The `npx gateway ...` command lines of the workflow, up to a redirection. */
const commands = job.steps.flatMap((s) =>
  (s.run ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('npx gateway '))
    .map((l) => ({ step: s, line: l.split(/\s+>/)[0]! })),
)

t.test('the workflow runs on pull requests touching the file, and may comment', async (t) => {
  t.same(workflow.on.pull_request.paths, [job.env.CONFIG])
  t.equal(workflow.permissions['pull-requests'], 'write')
  t.equal(workflow.permissions.contents, 'read')
  t.ok(job.steps.some((s) => s.uses?.startsWith('actions/checkout@')))
  const comment = job.steps.find((s) => s.run?.includes('gh pr comment'))!
  t.equal(comment.if, "steps.diff.outputs.exit == '1'")
  t.ok(job.steps.find((s) => s.id === 'diff')?.run?.includes('"exit=$code" >> "$GITHUB_OUTPUT"'))
})

t.test('its gateway commands exist with those flags and give what the next steps use', async (t) => {
  t.same(
    commands.map((c) => c.line.split(' ').slice(0, 4).join(' ')),
    ['npx gateway validate --format', 'npx gateway diff --format'],
  )
  const vars = { CONFIG: join(FIXTURES, 'pr.yml'), RUNNER_TEMP: FIXTURES }
  // base.yml is what the fetch step writes to $RUNNER_TEMP/base.yml.
  const [validate, diff] = await Promise.all(commands.map((c) => gatewayCli(words(c.line, vars).slice(2), VAULT_ENV)))
  t.equal(validate!.code, 0, validate!.out + validate!.err)
  t.equal(diff!.code, 1, diff!.err)
  t.match(diff!.out, /^### `gateway diff`: `.*base\.yml` → `.*pr\.yml`\n/)
  t.match(diff!.out, '<details><summary>')
})
