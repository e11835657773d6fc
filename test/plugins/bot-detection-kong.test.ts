// Kong's bot-detection spec (spec/03-plugins/21-bot-detection/01-access_spec.lua) through a real
// gateway and a real upstream, with the spec's User-Agent values. Not here: the #grpc cases (no
// HTTP/2 listener), 02-invalidations and 03-api (Admin API writes; this gateway is DB-less).
import t from 'tap'
import { stringify } from 'yaml'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const HELLOWORLD = 'HelloWorld'
const FACEBOOK = 'facebookexternalhit/1.1'
const CHROME = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/50.0.2661.102 Safari/537.36'
const GOOGLEBOT = 'Googlebot/2.1 (+http://www.google.com/bot.html)'

const route = (name: string, config: Record<string, unknown>) => ({ name, paths: [`/${name}`], plugins: [{ name: 'bot-detection', config }] })

t.test('bot-detection on routes', async (t) => {
  const yaml = stringify({
    _format_version: '3.0',
    services: [{ name: 'app', url: '$UPSTREAM', routes: [route('bot', {}), route('bot2', { deny: [HELLOWORLD] }), route('bot3', { allow: [FACEBOOK] })] }],
  })
  const { send } = await pluginGateway(t, yaml)
  const ua = (path: string, agent?: string) => send(path, { headers: agent === undefined ? {} : { 'user-agent': agent } })

  // spec/03-plugins/21-bot-detection/01-access_spec.lua:98
  for (const agent of [undefined, CHROME, HELLOWORLD, 'curl/7.43.0']) {
    const r = await ua('/bot/request', agent)
    t.equal(r.status, 200, `allowed: ${agent}`)
    t.ok(r.reached)
  }
  // spec/03-plugins/21-bot-detection/01-access_spec.lua:170
  for (const agent of [GOOGLEBOT, FACEBOOK]) {
    const r = await ua('/bot/request', agent)
    t.equal(r.status, 403, `blocked: ${agent}`)
    t.equal(r.reached, undefined)
  }
  // spec/03-plugins/21-bot-detection/01-access_spec.lua:212
  t.equal((await ua('/bot2/request', HELLOWORLD)).status, 403)
  // spec/03-plugins/21-bot-detection/01-access_spec.lua:235
  t.equal((await ua('/bot3/request', FACEBOOK)).status, 200)
})

t.test('bot-detection configured globally', async (t) => {
  const yaml = stringify({
    _format_version: '3.0',
    services: [{ name: 'app', url: '$UPSTREAM', routes: [{ name: 'r', paths: ['/'] }] }],
    plugins: [{ name: 'bot-detection', config: {} }],
  })
  const { send } = await pluginGateway(t, yaml)
  // spec/03-plugins/21-bot-detection/01-access_spec.lua:290
  t.equal((await send('/request')).status, 200)
  for (const agent of [CHROME, HELLOWORLD, 'curl/7.43.0']) t.equal((await send('/request', { headers: { 'user-agent': agent } })).status, 200, agent)
  // Not in the spec: the global instance refuses bots as the route one does.
  t.equal((await send('/request', { headers: { 'user-agent': GOOGLEBOT } })).status, 403)
})
