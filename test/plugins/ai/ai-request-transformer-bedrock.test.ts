// ai-request-transformer with provider bedrock (kong/llm/init.lua ai_introspect_body and the bedrock
// driver's subrequest) through a real gateway, a real echo upstream and the Bedrock stand-in, which
// verifies the SigV4 signature and refuses what Converse refuses. A Titan model takes no system
// prompt: Kong asks it as user, assistant, user.
import t from 'tap'
import { stringify } from 'yaml'
import { pluginGateway } from '../../helpers/plugin-gateway.js'
import type { Secret } from '../../helpers/sigv4-verify.js'
import { bedrockStandIn } from './bedrock-standin.js'

const REGION = 'eu-central-1'
const KEY = 'transformer-key'
const SECRET = 'transformer-secret'
const MODEL = 'amazon.titan-text-express-v1'
const PROMPT = 'You are a mathematician. Multiply all numbers in my JSON request, by 2.'
const BODY = JSON.stringify({ persons: [{ name: 'Kong A', age: 31 }] })

delete process.env.AWS_REGION
delete process.env.AWS_DEFAULT_REGION
const api = await bedrockStandIn(t, { secrets: new Map<string, Secret>([[KEY, { secret: SECRET }]]), region: REGION })
const llm = (region?: string) => ({
  route_type: 'llm/v1/chat',
  auth: { aws_access_key_id: KEY, aws_secret_access_key: SECRET },
  model: {
    name: MODEL,
    provider: 'bedrock',
    options: { upstream_url: `${api.url}/model/${MODEL}/converse`, ...(region ? { bedrock: { aws_region: region } } : {}) },
  },
})
const g = await pluginGateway(
  t,
  stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'echo',
        url: '$UPSTREAM',
        routes: [
          { name: 'signed', paths: ['/signed'], plugins: [{ name: 'ai-request-transformer', config: { prompt: PROMPT, llm: llm(REGION) } }] },
          { name: 'noregion', paths: ['/noregion'], plugins: [{ name: 'ai-request-transformer', config: { prompt: PROMPT, llm: llm() } }] },
        ],
      },
    ],
  }),
)

t.test('the LLM call is signed, and a Titan model is asked without a system prompt', async (t) => {
  const r = await g.send('/signed', { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY })
  t.equal(r.status, 200)
  // Kong's Converse fixture's text becomes the request body the upstream gets.
  t.equal(r.reached!.body, 'You cannot divide by zero because it is not a valid operation in mathematics.')
  const call = api.last()!
  t.ok(call.verified.ok, 'the signature verifies')
  t.equal(call.verified.region, REGION)
  t.equal(call.operation, 'converse')
  t.same(call.json.messages, [
    { role: 'user', content: [{ text: PROMPT }] },
    { role: 'assistant', content: [{ text: 'What is the message?' }] },
    { role: 'user', content: [{ text: BODY }] },
  ])
  t.equal(call.json.system, undefined)
})

t.test('no region anywhere', async (t) => {
  const before = api.calls.length
  const r = await g.send('/noregion', { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY })
  t.equal(r.status, 500)
  t.equal(r.json<any>().error.message, 'LLM request failed before proxying')
  t.equal(r.reached, undefined)
  t.equal(api.calls.length, before)
})
