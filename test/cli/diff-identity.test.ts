// `gateway diff` matches entities as Kong and decK do (a written id, else the name), and follows a
// change to what a route uses (its service) to the routes whose behaviour it changes.
import t from 'tap'
import { gatewayCli, tempFiles } from '../helpers/gateway-cli.js'

const { file, cleanup } = tempFiles('gw-diff-identity-')
t.teardown(cleanup)
const gateway = (args: string[]) => gatewayCli(args)

t.test('a renamed entity is removed and added, unless an id ties them', async (t) => {
  const named = (name: string, id = '') =>
    `_format_version: "3.0"\nservices:\n  - name: ${name}\n${id ? `    id: ${id}\n` : ''}    url: http://s.internal\n    routes:\n      - name: r\n        paths: [/r]\n`
  const id = '6b1e7a70-1b5c-4c4c-9a43-0d1c7c3b9a11'
  const [r, tied] = await Promise.all([
    gateway(['diff', file('n1.yml', named('old-name')), file('n2.yml', named('new-name'))]),
    gateway(['diff', file('n3.yml', named('old-name', id)), file('n4.yml', named('new-name', id))]),
  ])
  t.equal(r!.code, 1)
  t.match(r!.out, 'creating service new-name\ndeleting service old-name\nupdating route r\n  service: "old-name" → "new-name"\n')
  t.match(r!.out, '  r (changed)\n    - service old-name → new-name\n')
  t.equal(tied!.code, 1)
  t.match(tied!.out, 'updating service new-name\n  name: "old-name" → "new-name"\nupdating route r\n')
  t.notMatch(tied!.out, 'creating service')
  // A renamed service with the same id: the route's behaviour does not change.
  t.notMatch(tied!.out, 'Routes whose behaviour changes')
})

t.test("a service's fields change the behaviour of its routes", async (t) => {
  const svc = (host: string) =>
    `_format_version: "3.0"\nservices:\n  - name: s\n    host: ${host}\n    routes:\n      - name: r1\n        paths: [/1]\n      - name: r2\n        paths: [/2]\n`
  const r = await gateway(['diff', file('h1.yml', svc('a.internal')), file('h2.yml', svc('b.internal'))])
  t.equal(r.code, 1)
  t.match(r.out, 'updating service s\n  host: "a.internal" → "b.internal"\n')
  t.match(r.out, '  r1 (changed)\n    - service s: host changed\n  r2 (changed)\n    - service s: host changed\n')
})
