// Kong's proxy listeners spec (spec/02-integration/05-proxy/01-proxy_spec.lua) through a real gateway:
// several proxy listeners each serve the same routes, and no proxy listener at all is a valid start
// (Kong's `proxy_listen = off`; here an empty listen list). Not ported: the checks of the nginx.conf
// Kong writes (server block counts) and the stream (tcp) routes, which need stream listeners (a
// later issue).
import t from 'tap'
import { fetchRaw, gateway } from '../helpers/gateway.js'

t.test('Proxy interface listeners: multiple', async (t) => {
  // spec/02-integration/05-proxy/01-proxy_spec.lua:54
  const gw = await gateway('_format_version: "3.0"\n', { listen: ['127.0.0.1:0', '127.0.0.1:0'] })
  t.teardown(() => gw.close())
  t.equal(gw.proxy.length, 2)
  t.not(gw.proxy[0], gw.proxy[1])
  for (const address of gw.proxy) {
    const r = await fetchRaw(`http://${address}/`)
    t.equal(r.status, 404, address)
    t.equal(r.json().message, 'no Route matched with those values')
  }
})

t.test('Proxy interface listeners: disabled', async (t) => {
  // spec/02-integration/05-proxy/01-proxy_spec.lua:44
  const gw = await gateway('_format_version: "3.0"\n', { listen: [], adminListen: '127.0.0.1:0' })
  t.teardown(() => gw.close())
  t.same(gw.proxy, [], 'no proxy listener')
  t.ok(gw.admin, 'the admin listener still serves')
  const r = await fetchRaw(`http://${gw.admin}/status`)
  t.equal(r.status, 200)
})
