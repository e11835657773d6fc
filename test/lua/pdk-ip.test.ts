// kong.ip.is_trusted(address): whether an address is in the trusted IPs (kong/pdk/ip.lua: Kong
// matches the argument against trusted_ips; anything that is not an address is not trusted).
import t from 'tap'
import { onePlugin, pluginGateway } from '../helpers/plugin-gateway.js'

const LUA = `local out = {}
for _, a in ipairs({ "127.0.0.1", "10.1.2.3", "192.168.0.1", "::1", "not an address" }) do
  out[#out + 1] = a .. "=" .. tostring(kong.ip.is_trusted(a))
end
return kong.response.exit(200, table.concat(out, " "))`
const CONFIG = onePlugin('pre-function', { access: [LUA] })

t.test('kong.ip.is_trusted checks the address it is given against --trusted-ips', async (t) => {
  const { send } = await pluginGateway(t, CONFIG, undefined, { trustedIps: '127.0.0.0/8,10.0.0.0/8' })
  const r = await send('/')
  t.equal(r.status, 200)
  t.equal(r.body, '127.0.0.1=true 10.1.2.3=true 192.168.0.1=false ::1=false not an address=false')
})

t.test('with no trusted IPs (the default) nothing is trusted', async (t) => {
  const { send } = await pluginGateway(t, CONFIG)
  const r = await send('/')
  t.equal(r.body, '127.0.0.1=false 10.1.2.3=false 192.168.0.1=false ::1=false not an address=false')
})
