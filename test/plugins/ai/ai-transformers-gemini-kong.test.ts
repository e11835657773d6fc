// The gemini cases of Kong's transformer specs (spec/03-plugins/39-ai-request-transformer/02-integration_spec.lua,
// spec/03-plugins/40-ai-response-transformer/02-integration_spec.lua) through a real gateway, a real echo upstream
// and the stand-in Gemini API (gemini-standin.ts), plus the transformers' use of a GCP service account on Vertex.
import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { stringify } from 'yaml'
import { pluginGateway } from '../../helpers/plugin-gateway.js'
import { fixture } from './openai-standin.js'
import { googleStandIn, serviceAccount, tokenStandIn, type Account } from './gemini-standin.js'

const SYSTEM_PROMPT = 'You are a mathematician. Multiply all numbers in my JSON request, by 2.'
const REQUEST_BODY = JSON.stringify({
  persons: [
    { name: 'Kong A', age: 31 },
    { name: 'Kong B', age: 42 },
  ],
})
const PLUGIN_ID = '71083e79-4921-4f9f-97a4-ee7810b6cd8b'

const tokens = new Set<string>()
const accounts: Account[] = []
const tokenApi = await tokenStandIn(t, accounts, tokens)
// spec/03-plugins/39-ai-request-transformer/02-integration_spec.lua:246 (/geminiflat) and :262 (/failssafety)
const answer = (scenario: string) => ({
  body: fixture(scenario === 'failssafety' ? 'gemini/llm-v1-chat/responses/fails_safety.json' : 'gemini/request-transformer/response-in-json.json'),
})
const api = await googleStandIn(t, { keys: new Set(['123']), tokens }, (_s, scenario) => answer(scenario))
const vertex = await googleStandIn(t, { tls: true, keys: new Set(), tokens }, () => answer('geminiflat'))
const sa = serviceAccount('transformer@kong-gemini.iam.gserviceaccount.com', generateKeyPairSync('rsa', { modulusLength: 2048 }), `${tokenApi.url}/token`)
accounts.push(sa.account)

const dir = mkdtempSync(join(tmpdir(), 'ai-transformers-gemini-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const LOG = join(dir, 'stats.log')

// spec/03-plugins/39-ai-request-transformer/02-integration_spec.lua:145 GEMINI_GOOD, :168 GEMINI_GOOD_FAILS_SAFETY
const geminiLlm = (scenario: string, temperature: number, cost: number) => ({
  route_type: 'llm/v1/chat',
  logging: { log_payloads: false, log_statistics: true },
  model: {
    name: 'gemini-1.5-flash',
    provider: 'gemini',
    options: {
      max_tokens: 512,
      temperature,
      upstream_url: `${api.url}/${scenario}/v1beta/models/gemini-1.5-flash:generateContent`,
      input_cost: cost,
      output_cost: cost,
    },
  },
  auth: { header_name: 'x-goog-api-key', header_value: '123' },
})
const vertexLlm = (json: string) => ({
  route_type: 'llm/v1/chat',
  model: {
    name: 'gemini-1.5-flash',
    provider: 'gemini',
    options: { gemini: { api_endpoint: vertex.url.replace('https://', ''), project_id: 'kong-gemini', location_id: 'europe-west4' } },
  },
  auth: { gcp_use_service_account: true, gcp_service_account_json: json },
})

type Plugin = 'ai-request-transformer' | 'ai-response-transformer'
const route = (path: string, name: Plugin, config: Record<string, unknown>, id?: string, log?: string) => ({
  name: path.slice(1).replaceAll('/', '-'),
  paths: [path],
  plugins: [{ name, ...(id ? { id } : {}), config }, ...(log ? [{ name: 'file-log', config: { path: log } }] : [])],
})
// The Vertex stand-in's certificate is self-signed: those routes do not verify it.
const request = (llm: Record<string, unknown>, tls = {}) => ({ prompt: SYSTEM_PROMPT, llm, ...tls })
const response = (llm: Record<string, unknown>, tls = {}) => ({ prompt: SYSTEM_PROMPT, parse_llm_response_json_instructions: false, llm, ...tls })
const selfSigned = { https_verify: false }

const g = await pluginGateway(
  t,
  stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'echo',
        url: '$UPSTREAM',
        routes: [
          route('/gemini-echo-flat', 'ai-request-transformer', request(geminiLlm('geminiflat', 0.6, 20.0)), PLUGIN_ID, LOG),
          route('/echo-fails-safety', 'ai-request-transformer', request(geminiLlm('failssafety', 0.5, 10.0))),
          route('/response/echo-fails-safety', 'ai-response-transformer', response(geminiLlm('failssafety', 0.5, 10.0))),
          route('/vertex/request', 'ai-request-transformer', request(vertexLlm(sa.json), selfSigned)),
          route('/vertex/response', 'ai-response-transformer', response(vertexLlm(sa.json), selfSigned)),
          route('/vertex/request-no-account', 'ai-request-transformer', request(vertexLlm('not json'), selfSigned)),
          route('/vertex/response-no-account', 'ai-response-transformer', response(vertexLlm('not json'), selfSigned)),
        ],
      },
    ],
  }),
)
// Google's API takes POST alone (Kong's spec sends GET, which its mock accepts).
const send = (path: string) => g.send(path, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: REQUEST_BODY })

t.test('logs statistics - gemini format', async (t) => {
  // spec/03-plugins/39-ai-request-transformer/02-integration_spec.lua:437
  const r = await send('/gemini-echo-flat')
  t.equal(r.status, 200)
  t.same(JSON.parse(r.reached!.body), {
    persons: [
      { name: 'Kong A', age: 62 },
      { name: 'Kong B', age: 84 },
    ],
  })
  // What Gemini got: the prompt as the system instruction, the body as the user's turn, on generateContent.
  const sent = api.last()
  t.equal(sent.path, '/geminiflat/v1beta/models/gemini-1.5-flash:generateContent')
  t.same(sent.json, {
    contents: [{ role: 'user', parts: [{ text: REQUEST_BODY }] }],
    systemInstruction: { parts: [{ text: SYSTEM_PROMPT }] },
    generationConfig: { maxOutputTokens: 512, temperature: 0.6 },
  })
  let line = ''
  for (let i = 0; i < 500 && line === ''; i++) {
    if (existsSync(LOG)) line = readFileSync(LOG, 'utf8').split('\n')[0]!.trim()
    if (line === '') await new Promise((r) => setTimeout(r, 10))
  }
  const log = JSON.parse(line)
  t.equal(log.client_ip, '127.0.0.1')
  t.type(log.request.size, 'number')
  t.type(log.response.size, 'number')
  const got = log.ai['ai-request-transformer']
  t.ok(got.meta.llm_latency >= 0)
  t.equal(got.usage.time_per_token, Math.floor(got.meta.llm_latency / got.usage.completion_tokens))
  got.meta.llm_latency = 1
  got.usage.time_per_token = 1
  // spec/03-plugins/39-ai-request-transformer/02-integration_spec.lua:84 _EXPECTED_CHAT_STATS_GEMINI
  t.same(log.ai, {
    'ai-request-transformer': {
      meta: { plugin_id: PLUGIN_ID, provider_name: 'gemini', request_model: 'UNSPECIFIED', response_model: 'gemini-1.5-flash', llm_latency: 1 },
      usage: { prompt_tokens: 2, completion_tokens: 11, total_tokens: 13, time_per_token: 1, cost: 0.00026 },
      cache: {},
    },
  })
})

t.test('fails Gemini content-safety', async (t) => {
  // spec/03-plugins/39-ai-request-transformer/02-integration_spec.lua:486
  let r = await send('/echo-fails-safety')
  t.equal(r.status, 400)
  t.match(r.json<any>().error.message, /.*transformation generation candidate breached Gemini content safety.*/)
  t.equal(r.reached, undefined, 'the upstream never saw it')
  // spec/03-plugins/40-ai-response-transformer/02-integration_spec.lua:540
  r = await send('/response/echo-fails-safety')
  t.equal(r.status, 400)
  t.match(r.json<any>().error.message, /.*transformation generation candidate breached Gemini content safety.*/)
})

t.test('a service account on Vertex', async (t) => {
  // kong/llm/drivers/gemini.lua subrequest: the cloud identity's token as the bearer
  let r = await send('/vertex/request')
  t.equal(r.status, 200)
  const token = tokenApi.issued.get(sa.account.email)![0]
  t.equal(vertex.last().headers.authorization, `Bearer ${token}`)
  t.equal(vertex.last().path, '/v1/projects/kong-gemini/locations/europe-west4/publishers/google/models/gemini-1.5-flash:generateContent')
  r = await send('/vertex/response')
  t.equal(r.status, 200)
  t.equal(tokenApi.issued.get(sa.account.email)!.length, 1, "one token for both plugins' calls")

  // transform-request.lua / transform-response.lua: kong.response.exit(500, "LLM request failed before proxying")
  const n = vertex.seen.length
  for (const path of ['/vertex/request-no-account', '/vertex/response-no-account']) {
    r = await send(path)
    t.equal(r.status, 500, path)
    t.same(r.json(), { message: 'LLM request failed before proxying' })
    t.equal(r.reached, undefined, 'the upstream never saw it')
  }
  t.equal(vertex.seen.length, n, 'nor did Gemini')
})
