// `gateway diff` exit codes: 2 on usage and I/O errors and on an invalid file, whose errors are
// exactly those `gateway validate` reports, in the chosen format.
import { join } from 'node:path'
import t from 'tap'
import { gatewayCli, tempFiles } from '../helpers/gateway-cli.js'

const { file, dir, cleanup } = tempFiles('gw-diff-errors-')
t.teardown(cleanup)
const gateway = (args: string[]) => gatewayCli(args)

t.test('invalid input exits 2 with the errors gateway validate reports', async (t) => {
  const good = file('good.yml', '_format_version: "3.0"\nservices:\n  - name: a\n    url: http://a.internal\n')
  const bad = file('bad.yml', '_format_version: "3.0"\nservices:\n  - name: a\n    port: 99999\n')
  const [text, json, gh, vText, vJson, vGithub] = await Promise.all([
    gateway(['diff', good, bad]),
    gateway(['diff', '--format', 'json', bad, good]),
    gateway(['diff', '--format', 'github', good, bad]),
    gateway(['validate', bad]),
    gateway(['validate', '--format', 'json', bad]),
    gateway(['validate', '--format', 'github', bad]),
  ])
  t.equal(text!.code, 2)
  t.equal(text!.out, vText!.out)
  t.equal(json!.code, 2)
  t.same(JSON.parse(json!.out), { errors: JSON.parse(vJson!.out) })
  t.equal(gh!.code, 2)
  // The annotations go to the log; stdout stays the Markdown a workflow posts.
  t.equal(gh!.err, vGithub!.out)
  t.match(gh!.out, `### \`gateway diff\`: invalid configuration\n\n\`\`\`\n${bad}:3:5: services[0].host: required field missing`)
})

t.test('usage and I/O errors exit 2', async (t) => {
  const good = file('u.yml', '_format_version: "3.0"\n')
  const [none, one, three, fmt, bogus, missing, same, help] = await Promise.all([
    gateway(['diff']),
    gateway(['diff', good]),
    gateway(['diff', good, good, good]),
    gateway(['diff', '--format', 'xml', good, good]),
    gateway(['diff', '--bogus', good, good]),
    gateway(['diff', good, join(dir, 'nope.yml')]),
    gateway(['diff', good, good]),
    gateway(['--help']),
  ])
  t.equal(none!.code, 2)
  t.equal(one!.code, 2)
  t.match(one!.err, 'gateway diff: expected two declarative configuration files: OLD NEW')
  t.equal(three!.code, 2)
  t.equal(fmt!.code, 2)
  t.match(fmt!.err, 'gateway diff: --format must be one of: text, json, github')
  t.equal(bogus!.code, 2)
  t.equal(missing!.code, 2)
  t.match(missing!.err, 'nope.yml: cannot read: ENOENT')
  t.equal(same!.code, 0)
  t.match(help!.out, 'gateway diff OLD NEW [--format text|json|github]')
})
