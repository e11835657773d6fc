// `gateway serve --error-default-type` and `--error-template-*` as a process (Kong's error_default_type
// and error_template_*): applied to the gateway's own errors; a bad value or file is a usage error.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { request } from 'undici'
import { serveRun, stopServe } from '../helpers/gateway-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'gw-serve-'))

t.test('--error-default-type and --error-template-*: applied; a bad value or file is a usage error (2)', async (t) => {
  // spec/02-integration/05-proxy/12-error_default_type_spec.lua:84 (Kong's error_default_type, error_template_*)
  const file = join(dir, 'errors.yml')
  writeFileSync(file, '_format_version: "3.0"\nservices:\n  - name: s\n    url: http://127.0.0.1:9\n    retries: 0\n    routes: [{ name: r, paths: [/] }]\n')
  const template = join(dir, 'error.xml')
  writeFileSync(template, '<e>%s</e>')
  const base = ['--config', file, '--listen', '127.0.0.1:0', '--admin-listen', 'off']
  const p = serveRun([...base, '--error-default-type', 'application/xml'], { GATEWAY_ERROR_TEMPLATE_XML: template })
  t.teardown(() => stopServe(p))
  const proxy = ((await p.started).proxy as string[])[0]!
  const r = await request(`http://${proxy}/`)
  t.equal(r.statusCode, 502)
  t.equal(r.headers['content-type'], 'application/xml; charset=utf-8')
  t.equal(await r.body.text(), '<e>An invalid response was received from the upstream server</e>')
  await stopServe(p)
  const badType = serveRun([...base, '--error-default-type', 'text/csv'])
  t.equal(await badType.exited, 2)
  t.match(badType.output().err, "--error-default-type must be one of application/json, application/xml, text/html, text/plain, not 'text/csv'")
  const missing = serveRun([...base, '--error-template-html', join(dir, 'nope.html')])
  t.equal(await missing.exited, 2)
  t.match(missing.output().err, /--error-template-html: cannot read .*nope\.html: ENOENT/)
})
