// kong.vault in Lua (Kong's PDK: kong/pdk/vault.lua): get, is_reference, parse_reference, through a real gateway.
import t from 'tap'
import { onePlugin, pluginGateway, pluginLines } from '../helpers/plugin-gateway.js'

/** One pre-function on `/` running `source` in access. */
const CONFIG = (source: string) => onePlugin('pre-function', { access: [source] })

t.test('kong.vault.get resolves an env reference; a missing one is nil and an error', async (t) => {
  process.env.LUA_VAULT_TEST_TOKEN = 'tok-42'
  t.teardown(() => delete process.env.LUA_VAULT_TEST_TOKEN)
  const { send } = await pluginGateway(
    t,
    CONFIG(`local v = kong.vault.get('{vault://env/lua-vault-test-token}')
local none, err = kong.vault.get('{vault://env/lua-vault-test-missing}')
kong.service.request.set_header('x-token', v)
kong.service.request.set_header('x-missing', tostring(none) .. ' ' .. tostring(err ~= nil))
kong.service.request.set_header('x-is-ref', tostring(kong.vault.is_reference('{vault://env/a}')) .. ' ' .. tostring(kong.vault.is_reference('plain')))
local p = kong.vault.parse_reference('{vault://env/db/password#2}')
kong.service.request.set_header('x-parsed', p.name .. '|' .. p.resource .. '|' .. p.key .. '|' .. p.version)`),
  )
  const r = await send('/')
  t.equal(r.status, 200)
  t.equal(r.reached?.headers['x-token'], 'tok-42')
  t.equal(r.reached?.headers['x-missing'], 'nil true')
  t.equal(r.reached?.headers['x-is-ref'], 'true false')
  t.equal(r.reached?.headers['x-parsed'], 'env|db|password|2')
})

t.test("a value read through kong.vault never reaches the log: kong.log, ngx.log and the snippet's errors", async (t) => {
  process.env.LUA_VAULT_TEST_SECRET = 'hunter2-secret-value'
  t.teardown(() => delete process.env.LUA_VAULT_TEST_SECRET)
  const { lines, pluginLog } = pluginLines()
  const { send } = await pluginGateway(
    t,
    CONFIG(`local v = kong.vault.get('{vault://env/lua-vault-test-secret}')
kong.log.err('token is ', v)
ngx.log(ngx.ERR, 'again: ' .. v)
if kong.request.get_header('x-fail') then error('bad token ' .. v) end`),
    undefined,
    { pluginLog },
  )
  t.equal((await send('/')).status, 200)
  t.equal((await send('/', { headers: { 'x-fail': '1' } })).status, 500)
  const text = JSON.stringify(lines)
  t.notMatch(text, /hunter2/, 'the value appears in no log line')
  t.same(
    lines.map((l) => l.msg),
    ['token is <redacted>', 'again: <redacted>', 'token is <redacted>', 'again: <redacted>', 'pre-function error: access[0]:4: bad token <redacted>'],
    'each line says where the value was',
  )
})
