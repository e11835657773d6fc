// ai-proxy with provider bedrock through a real gateway and a stand-in Bedrock runtime on loopback
// (bedrock-standin.ts: it verifies each request's SigV4 signature with the independent verifier and
// refuses what Converse refuses). Kong has no bedrock integration spec for non-streamed chats; the
// configuration is the one of spec/03-plugins/38-ai-proxy/09-streaming_integration_spec.lua:650
// (static keys, upstream_url, AWS_REGION in the environment), the answers Kong's fixtures, and the
// behaviour kong/llm/drivers/bedrock.lua's and shared.lua's (cloud_identity_function, configure_request).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { stringify } from 'yaml'
import { fetchRaw, gateway } from '../../helpers/gateway.js'
import { pluginLines } from '../../helpers/plugin-gateway.js'
import { startSts } from '../../helpers/aws-standins.js'
import type { Secret } from '../../helpers/sigv4-verify.js'
import { bedrockStandIn, TOOLS_ANSWER } from './bedrock-standin.js'
import { fixture } from './openai-standin.js'

// spec/03-plugins/38-ai-proxy/09-streaming_integration_spec.lua:678
const KEY = 'mock-key'
const SECRET = 'mock-secret'
const ENV_KEY = 'ENVKEYID'
const ENV_SECRET = 'env-secret'
const ENV_TOKEN = 'env-session-token'
const ROLE = 'arn:aws:iam::123456789012:role/bedrock-caller'
const TEMP = { accessKeyId: 'ASIATEMPORARY', secret: 'temp-secret', token: 'temp-session-token' }
const REGION = 'us-east-1'

const secrets = new Map<string, Secret>([
  [KEY, { secret: SECRET }],
  [ENV_KEY, { secret: ENV_SECRET, token: ENV_TOKEN }],
  [TEMP.accessKeyId, { secret: TEMP.secret, token: TEMP.token }],
])
const api = await bedrockStandIn(t, { secrets, region: REGION })
const sts = await startSts({ secrets: new Map([[KEY, { secret: SECRET }]]), region: REGION, roleArn: ROLE, issue: TEMP })
t.teardown(() => sts.close())

const dir = mkdtempSync(join(tmpdir(), 'ai-proxy-bedrock-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const LOG = join(dir, 'stats.log')

const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0'
const staticKeys = { aws_access_key_id: KEY, aws_secret_access_key: SECRET }
const config = (model: string, opts: { op?: string; region?: string | null; auth?: Record<string, unknown>; extra?: Record<string, unknown> } = {}) => ({
  route_type: 'llm/v1/chat',
  auth: { allow_override: false, ...(opts.auth ?? staticKeys) },
  model: {
    name: model,
    provider: 'bedrock',
    options: {
      max_tokens: 512,
      temperature: 0.6,
      upstream_url: `${api.url}/model/${model}/${opts.op ?? 'converse'}`,
      ...(opts.region === null ? {} : { bedrock: { aws_region: opts.region ?? REGION } }),
    },
  },
  ...opts.extra,
})

const routes: [string, Record<string, unknown>, { log?: string; preserveHost?: boolean; stripPath?: boolean }?][] = [
  ['/bedrock/good', config(MODEL)],
  ['/bedrock/tools', config('tools', { extra: { logging: { log_statistics: true, log_payloads: false } } }), { log: LOG }],
  ['/bedrock/stream', config(MODEL, { op: 'converse-stream' })],
  ['/bedrock/stream-tools', config('tools', { op: 'converse-stream' })],
  ['/bedrock/env-region', config(MODEL, { region: null })],
  ['/bedrock/env-credentials', config(MODEL, { auth: {} })],
  ['/bedrock/role', config(MODEL, { auth: { ...staticKeys, aws_assume_role_arn: ROLE, aws_role_session_name: 'gw', aws_sts_endpoint_url: sts.url } })],
  ['/bedrock/wrong-role', config(MODEL, { auth: { ...staticKeys, aws_assume_role_arn: 'arn:aws:iam::1:role/other', aws_sts_endpoint_url: sts.url } })],
  ['/bedrock/wrong-secret', config(MODEL, { auth: { aws_access_key_id: KEY, aws_secret_access_key: 'not-the-secret' } })],
  ['/bedrock/titan', config('amazon.titan-text-express-v1')],
  ['/bedrock/throttled', config('throttled')],
  ['/bedrock/preserve-host', config(MODEL), { preserveHost: true }],
  [
    '/model',
    { ...config(MODEL), route_type: 'preserve', model: { provider: 'bedrock', options: { upstream_url: api.url, bedrock: { aws_region: REGION } } } },
    { stripPath: false },
  ],
]

const doc = (list: typeof routes) =>
  stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'empty_service',
        url: 'http://127.0.0.1:9',
        routes: list.map(([path, cfg, o], i) => ({
          name: `r${i}`,
          paths: [path],
          ...(o?.preserveHost ? { preserve_host: true } : {}),
          ...(o?.stripPath === false ? { strip_path: false } : {}),
          plugins: [{ name: 'ai-proxy', config: cfg }, ...(o?.log ? [{ name: 'file-log', config: { path: o.log } }] : [])],
        })),
      },
    ],
  })

// spec/03-plugins/38-ai-proxy/09-streaming_integration_spec.lua:780: AWS_REGION in the gateway's environment
// (and, for the route without keys, the environment's credentials), read when the config is compiled.
process.env.AWS_REGION = REGION
process.env.AWS_ACCESS_KEY_ID = ENV_KEY
process.env.AWS_SECRET_ACCESS_KEY = ENV_SECRET
process.env.AWS_SESSION_TOKEN = ENV_TOKEN
const { lines, pluginLog } = pluginLines()
const gw = await gateway(doc(routes), { pluginLog })
// A gateway whose environment has no region at all.
delete process.env.AWS_REGION
delete process.env.AWS_DEFAULT_REGION
const noRegion = await gateway(doc([['/bedrock/no-region', config(MODEL, { region: null })]]), { pluginLog })
delete process.env.AWS_ACCESS_KEY_ID
delete process.env.AWS_SECRET_ACCESS_KEY
delete process.env.AWS_SESSION_TOKEN
t.teardown(async () => {
  await gw.close()
  await noRegion.close()
})

const send = (path: string, body: unknown, headers: Record<string, string> = {}, base = gw.url) =>
  fetchRaw(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
const CHAT = JSON.parse(fixture('unit/requests/llm-v1-chat.json'))
const ANSWER = { role: 'assistant', content: 'You cannot divide by zero because it is not a valid operation in mathematics.' }

t.test('a chat, signed with the configured keys', async (t) => {
  const r = await send('/bedrock/good', CHAT)
  t.equal(r.status, 200)
  const json = r.json<any>()
  // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:722: Kong's expected answer for its Converse fixture
  t.same(json.choices[0].message, ANSWER)
  t.equal(json.model, MODEL)
  t.equal(json.object, 'chat.completion')
  t.equal(json.choices[0].finish_reason, 'stop')
  t.equal(r.headers['x-kong-llm-model'], `bedrock/${MODEL}`)
  const call = api.last()!
  t.ok(call.verified.ok, 'the signature verifies')
  t.equal(call.verified.accessKeyId, KEY)
  t.equal(call.verified.service, 'bedrock')
  t.equal(call.verified.region, REGION)
  t.same(call.verified.signedHeaders, ['host', 'x-amz-date'], 'only host and x-amz-date are signed, as Kong signs')
  t.equal(call.headers['x-amz-security-token'], undefined, 'static keys have no token')
  t.equal(call.modelId, MODEL)
  t.equal(call.operation, 'converse')
  t.equal(call.url, `/model/${MODEL}/converse`, "upstream_url's path")
  t.equal(call.headers['content-type'], 'application/json')
  t.equal(call.headers['accept-encoding'], 'gzip, identity', 'kong/llm/drivers/bedrock.lua pre_request: gzip or nothing')
  // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:684: the Converse request Kong sends for the same chat (here with this route's options)
  const expected = JSON.parse(fixture('unit/expected-requests/bedrock/llm-v1-chat.json'))
  expected.inferenceConfig = { maxTokens: 512, temperature: 0.6 }
  t.same(call.json, expected)
})

t.test('token usage is mapped and logged', async (t) => {
  const r = await send('/bedrock/tools', CHAT)
  t.equal(r.status, 200)
  let line = ''
  for (let i = 0; i < 500 && line === ''; i++) {
    if (existsSync(LOG)) line = readFileSync(LOG, 'utf8').trim().split('\n')[0] ?? ''
    if (line === '') await new Promise((r) => setTimeout(r, 10))
  }
  const ai = JSON.parse(line).ai.proxy
  t.equal(ai.meta.provider_name, 'bedrock')
  t.equal(ai.meta.request_model, 'tools')
  // Converse's inputTokens/outputTokens; bedrock counts tokens itself (streaming_has_token_counts): nothing is estimated.
  t.equal(ai.usage.prompt_tokens, 410)
  t.equal(ai.usage.completion_tokens, 115)
  t.equal(ai.usage.total_tokens, 525)
})

t.test('tools: OpenAI tools in, tool calls out', async (t) => {
  // spec/fixtures/ai-proxy/openai/llm-v1-chat/requests/good-stream-with-functions.json without `stream`, as the tools fixture Kong streams
  const body = JSON.parse(fixture('openai/llm-v1-chat/requests/good-stream-with-functions.json'))
  delete body.stream
  const r = await send('/bedrock/tools', body)
  t.equal(r.status, 200)
  const json = r.json<any>()
  t.equal(json.choices[0].finish_reason, 'tool_calls')
  t.same(json.choices[0].message.tool_calls, [
    { function: { name: 'sumArea', arguments: '{"areas":[121,212,313]}' }, id: 'tooluse_4ZakZPY9SiWoKWrAsY7_eg', type: 'function' },
  ])
  t.equal(json.choices[0].message.content, TOOLS_ANSWER.output.message.content[0]!.text)
  t.same(json.usage, { prompt_tokens: 410, completion_tokens: 115, total_tokens: 525 })
  const sent = api.last()!.json
  t.same(
    sent.toolConfig.tools.map((x: any) => x.toolSpec.name),
    body.tools.map((x: any) => x.function.name),
    'each OpenAI function is a Converse toolSpec',
  )

  // The round trip: the assistant's tool call and the tool's result go back, as Converse wants them.
  const next = await send('/bedrock/tools', {
    messages: [
      { role: 'user', content: 'What is the sum of 121, 212 and 313?' },
      { role: 'assistant', content: null, tool_calls: json.choices[0].message.tool_calls },
      { role: 'tool', tool_call_id: 'tooluse_4ZakZPY9SiWoKWrAsY7_eg', content: '646' },
    ],
    tools: body.tools,
  })
  t.equal(next.status, 200, 'Bedrock takes the tool result after its tool use')
  t.same(api.last()!.json.messages.slice(1), [
    { role: 'assistant', content: [{ toolUse: { toolUseId: 'tooluse_4ZakZPY9SiWoKWrAsY7_eg', name: 'sumArea', input: { areas: [121, 212, 313] } } }] },
    { role: 'user', content: [{ toolResult: { toolUseId: 'tooluse_4ZakZPY9SiWoKWrAsY7_eg', content: [{ json: { result: 646 } }] } }] },
  ])
})

t.test('a streamed chat goes to ConverseStream, signed', async (t) => {
  // spec/03-plugins/38-ai-proxy/09-streaming_integration_spec.lua:1212 (the request side; the answer's translation is the streaming runtime's)
  const body = JSON.parse(fixture('openai/llm-v1-chat/requests/good-stream-with-functions.json'))
  const r = await send('/bedrock/stream-tools', body)
  t.equal(r.status, 200)
  const call = api.last()!
  t.equal(call.operation, 'converse-stream')
  t.ok(call.verified.ok, 'the signature verifies')
  t.equal(call.json.stream, undefined, 'Converse has no stream flag: the operation says it')
  const text = await send('/bedrock/stream', { ...CHAT, stream: true })
  t.equal(text.status, 200)
  t.equal(api.last()!.operation, 'converse-stream')
})

t.test('the region and the credentials from the environment', async (t) => {
  // kong/llm/drivers/shared.lua cloud_identity_function: AWS_REGION when the config has none
  const r = await send('/bedrock/env-region', CHAT)
  t.equal(r.status, 200)
  t.equal(api.last()!.verified.region, REGION)
  // ... and AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN) when auth has no keys
  const e = await send('/bedrock/env-credentials', CHAT)
  t.equal(e.status, 200)
  const call = api.last()!
  t.ok(call.verified.ok)
  t.equal(call.verified.accessKeyId, ENV_KEY)
  t.equal(call.headers['x-amz-security-token'], ENV_TOKEN, 'the session token goes, signed')
  t.ok(call.verified.signedHeaders?.includes('x-amz-security-token'))
})

t.test('no region anywhere', async (t) => {
  // kong/llm/plugin/shared-filters/normalize-request.lua: the identity's error is a 500 before proxying
  const before = api.calls.length
  const r = await send('/bedrock/no-region', CHAT, {}, noRegion.url)
  t.equal(r.status, 500)
  t.same(r.json(), { error: { message: 'LLM request failed before proxying' } })
  t.equal(api.calls.length, before, 'nothing reached Bedrock')
  t.ok(lines.some((l) => l.msg === 'error authenticating with bedrock using native provider auth, AWS region not specified anywhere'))
})

t.test('an assumed role (STS AssumeRole)', async (t) => {
  const stsBefore = sts.calls.length
  const r = await send('/bedrock/role', CHAT)
  t.equal(r.status, 200)
  const call = api.last()!
  t.ok(call.verified.ok, "signed with the role's temporary credentials")
  t.equal(call.verified.accessKeyId, TEMP.accessKeyId)
  t.equal(call.headers['x-amz-security-token'], TEMP.token)
  const asked = sts.calls.at(-1)!
  t.ok(asked.verified.ok, 'STS was asked with the configured keys, signed for sts')
  t.equal(asked.form.get('RoleArn'), ROLE)
  t.equal(asked.form.get('RoleSessionName'), 'gw')
  t.equal((await send('/bedrock/role', CHAT)).status, 200)
  t.equal(sts.calls.length, stsBefore + 1, 'the temporary credentials are kept until they near their expiry')
})

t.test('a role STS refuses, a secret Bedrock refuses', async (t) => {
  const before = api.calls.length
  const r = await send('/bedrock/wrong-role', CHAT)
  // kong/llm/drivers/bedrock.lua configure_request: failing to sign is Kong's bail(500), without a body
  t.equal(r.status, 500)
  t.equal(r.body, '')
  t.equal(api.calls.length, before, 'nothing reached Bedrock')
  t.ok(lines.some((l) => l.msg === 'failed to configure request for AI service: failed to sign AWS request: STS AssumeRole answered 403 AccessDenied'))
  const bad = await send('/bedrock/wrong-secret', CHAT)
  t.equal(bad.status, 403, "Bedrock's refusal passes through")
  t.equal(bad.json<any>().message, 'The request signature we calculated does not match the signature you provided.')
  t.equal(api.refused.at(-1), 'signature mismatch')
  for (const secret of [SECRET, ENV_SECRET, TEMP.secret, 'not-the-secret'])
    t.notOk(
      lines.some((l) => JSON.stringify(l).includes(secret)),
      'no secret reaches a log line',
    )
})

t.test("the client's own signature headers do not go", async (t) => {
  const r = await send('/bedrock/good?trace=1&x=a%20b', CHAT, {
    authorization: 'AWS4-HMAC-SHA256 Credential=CLIENT/20240101/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=00',
    'x-amz-security-token': 'client-token',
    'x-amz-date': '20200101T000000Z',
  })
  t.equal(r.status, 200)
  const call = api.last()!
  t.ok(call.verified.ok, 'the query is signed as sent')
  t.equal(call.url.split('?')[1], 'trace=1&x=a+b')
  t.equal(call.verified.accessKeyId, KEY)
  t.equal(call.headers['x-amz-security-token'], undefined)
})

t.test('preserve_host does not break the signature', async (t) => {
  const r = await send('/bedrock/preserve-host', CHAT, { host: 'client.example' })
  t.equal(r.status, 200)
  t.ok(api.last()!.verified.ok)
  t.equal(api.last()!.headers.host, new URL(api.url).host, 'the Host signed is the one sent')
})

t.test("Kong's errors", async (t) => {
  const titan = await send('/bedrock/titan', CHAT)
  t.equal(titan.status, 400)
  t.equal(
    titan.json<any>().error.message,
    "error transforming to bedrock://llm/v1/chat: system prompts are unsupported for model 'amazon.titan-text-express-v1",
  )
  const throttled = await send('/bedrock/throttled', CHAT)
  t.equal(throttled.status, 429, "Bedrock's error answers pass through")
  t.equal(throttled.json<any>().message, 'Too many requests, please wait before trying again.')
  const noPrompt = await send('/bedrock/good', { messages: [] })
  t.equal(noPrompt.status, 400)
  t.equal(noPrompt.json<any>().error.message, "request body doesn't contain valid prompts")
})

t.test('preserve: a native Converse request, signed and passed through', async (t) => {
  // Kong's bedrock driver has no operation for `preserve` (configure_request fails); here the client's path and body go, signed.
  const native = { messages: [{ role: 'user', content: [{ text: 'hi' }] }], inferenceConfig: { maxTokens: 10 } }
  const r = await send('/model/preserved-model/converse', native)
  t.equal(r.status, 200)
  const call = api.last()!
  t.ok(call.verified.ok)
  t.equal(call.modelId, 'preserved-model')
  t.same(call.json, native, 'the body as the client sent it')
  t.same(r.json(), JSON.parse(fixture('unit/real-responses/bedrock/llm-v1-chat.json')), "Bedrock's answer, untranslated")
})
