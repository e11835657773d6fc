// The three renderings of a config issue take its severity from the issue itself.
import t from 'tap'
import type { ConfigIssue } from '../../src/config/issues.js'
import { githubLine, jsonEntry, textLine } from '../../src/cli/report.js'

const issue: ConfigIssue = {
  file: 'kong.yml',
  line: 4,
  column: 20,
  path: 'routes[0].path_handling',
  message: 'ignored',
  severity: 'error',
  entity: "route 'a'",
}
const warning: ConfigIssue = { ...issue, severity: 'warning' }

t.test('text', async (t) => {
  t.equal(textLine(issue), "kong.yml:4:20: routes[0].path_handling: ignored (in route 'a')")
  t.equal(textLine(warning), "kong.yml:4:20: warning: routes[0].path_handling: ignored (in route 'a')")
})

t.test('GitHub annotations', async (t) => {
  t.equal(githubLine(issue), "::error file=kong.yml,line=4,col=20,title=kong.yml routes[0].path_handling::ignored (in route 'a')")
  t.equal(githubLine(warning), "::warning file=kong.yml,line=4,col=20,title=kong.yml routes[0].path_handling::ignored (in route 'a')")
})

t.test('JSON keeps its shape', async (t) => {
  t.same(jsonEntry(issue), { file: 'kong.yml', line: 4, column: 20, path: 'routes[0].path_handling', message: 'ignored', entity: "route 'a'" })
})
