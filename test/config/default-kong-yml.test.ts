// The repository's default kong.yml (what `npm start` and the image serve): `/` answers by
// itself, and the admin /status is not published on the public proxy listener, whatever
// --admin-listen is.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fetchRaw, gateway } from '../helpers/gateway.js'

const DEFAULT = readFileSync(join(import.meta.dirname, '..', '..', 'kong.yml'), 'utf8')

for (const adminListen of ['127.0.0.1:0', 'off'])
  t.test(`default kong.yml with --admin-listen ${adminListen}`, async (t) => {
    const g = await gateway(DEFAULT, { adminListen })
    t.teardown(() => g.close())
    const hello = await fetchRaw(`${g.url}/`)
    t.equal(hello.status, 200)
    t.match(hello.body, /Hello from the gateway/)
    // /status on the proxy is the hello route (request-termination), not the admin's JSON.
    const status = await fetchRaw(`${g.url}/status`)
    t.equal(status.status, 200, 'not proxied to an admin port')
    t.match(status.body, /Hello from the gateway/)
    t.notMatch(status.body, /configuration_hash/, 'the admin status is not on the public listener')
    if (g.adminUrl) t.match((await fetchRaw(`${g.adminUrl}/status`)).json(), { configuration_hash: String })
  })
