// Kong's gemini integration spec (spec/03-plugins/38-ai-proxy/11-gemini_integration_spec.lua) through a
// real gateway and a stand-in Gemini API on loopback that checks what Google's checks (gemini-standin.ts),
// plus what Kong's driver does beyond that spec: key auth by header or query, streaming's operation,
// Vertex AI's endpoint and a GCP service account's access token from a stand-in token endpoint.
import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { stringify } from 'yaml'
import { fetchRaw, gateway } from '../../helpers/gateway.js'
import { pluginLines } from '../../helpers/plugin-gateway.js'
import { fixture } from './openai-standin.js'
import { googleStandIn, serviceAccount, tokenStandIn, type Account } from './gemini-standin.js'

const KEY = 'AIza-gemini-key'
const keys = new Set([KEY])
// Kong's spec sends `Authorization: Bearer gemini-key`: here a token Google issued earlier.
const tokens = new Set(['gemini-key'])
const accounts: Account[] = []
const tokenApi = await tokenStandIn(t, accounts, tokens)

const api = await googleStandIn(t, { keys, tokens }, (s, scenario) => {
  if (scenario === 'fails_safety') return { body: fixture('gemini/llm-v1-chat/responses/fails_safety.json') }
  if (s.path.endsWith(':streamGenerateContent'))
    return {
      body: [
        '[{"candidates": [{"content": {"parts": [{"text": "Every"}],"role": "model"}}]}\r\n',
        ',\r\n{"candidates": [{"content": {"parts": [{"text": "thing."}],"role": "model"},"finishReason": "STOP"}]}\r\n]',
      ],
    }
  return { body: fixture('gemini/llm-v1-chat/responses/good.json') }
})
const vertex = await googleStandIn(t, { tls: true, keys, tokens }, () => ({ body: fixture('gemini/llm-v1-chat/responses/good.json') }))
const vertexHost = vertex.url.replace('https://', '')

const pair = () => generateKeyPairSync('rsa', { modulusLength: 2048 })
const sa = serviceAccount('gateway@kong-gemini.iam.gserviceaccount.com', pair(), `${tokenApi.url}/token`)
const shortLived = serviceAccount('short@kong-gemini.iam.gserviceaccount.com', pair(), `${tokenApi.url}/token`, 0)
const fromEnv = serviceAccount('env@kong-gemini.iam.gserviceaccount.com', pair(), `${tokenApi.url}/token`)
// A key Google does not know: the token endpoint refuses its assertions.
const unknown = serviceAccount('unknown@kong-gemini.iam.gserviceaccount.com', pair(), `${tokenApi.url}/token`)
accounts.push(sa.account, shortLived.account, fromEnv.account)

const dir = mkdtempSync(join(tmpdir(), 'ai-proxy-gemini-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const LOG = join(dir, 'stats.log')

// spec/03-plugins/38-ai-proxy/11-gemini_integration_spec.lua:112
const good = {
  route_type: 'llm/v1/chat',
  auth: { header_name: 'Authorization', header_value: 'Bearer gemini-key' },
  logging: { log_payloads: true, log_statistics: true },
  model: {
    name: 'gemini-1.5-pro',
    provider: 'gemini',
    options: {
      max_tokens: 256,
      temperature: 1.0,
      upstream_url: `${api.url}/v1beta/models/gemini-1.5-pro:generateContent`,
      input_cost: 15.0,
      output_cost: 15.0,
    },
  },
}
const withModel = (options: Record<string, unknown>, auth: Record<string, unknown> | undefined, name = 'gemini-1.5-pro') => ({
  route_type: 'llm/v1/chat',
  ...(auth ? { auth } : {}),
  model: { name, provider: 'gemini', options },
})
const vertexOptions = { gemini: { api_endpoint: vertexHost, project_id: 'kong-gemini', location_id: 'us-central1' } }
const gcp = (json?: string) => ({ gcp_use_service_account: true, ...(json ? { gcp_service_account_json: json } : {}) })

const routes: [string, Record<string, unknown>, string?][] = [
  ['/gemini/llm/v1/chat/good', good, LOG],
  // spec/03-plugins/38-ai-proxy/11-gemini_integration_spec.lua:156
  [
    '~/gemini/llm/v1/chat/good/(?<model>[^/]+)',
    withModel(
      { upstream_url: `${api.url}/v1beta/models/gemini-1.5-pro:generateContent` },
      { header_name: 'Authorization', header_value: 'Bearer gemini-key' },
      '$(uri_captures.model)',
    ),
  ],
  [
    '/gemini/header-key',
    withModel({ upstream_url: `${api.url}/v1beta/models/gemini-1.5-pro:generateContent` }, { header_name: 'x-goog-api-key', header_value: KEY }),
  ],
  [
    '/gemini/query-key',
    withModel({ upstream_url: `${api.url}/v1beta/models/gemini-1.5-pro:generateContent` }, { param_name: 'key', param_value: KEY, param_location: 'query' }),
  ],
  [
    '/gemini/wrong-key',
    withModel({ upstream_url: `${api.url}/v1beta/models/gemini-1.5-pro:generateContent` }, { header_name: 'x-goog-api-key', header_value: 'AIza-wrong' }),
  ],
  [
    '/gemini/fails-safety',
    withModel({ upstream_url: `${api.url}/fails_safety/v1beta/models/gemini-1.5-pro:generateContent` }, { header_name: 'x-goog-api-key', header_value: KEY }),
  ],
  [
    '/gemini/stream',
    withModel({ upstream_url: `${api.url}/v1beta/models/gemini-1.5-pro:streamGenerateContent` }, { header_name: 'x-goog-api-key', header_value: KEY }),
  ],
  [
    '/gemini/completions',
    {
      ...withModel({ upstream_url: `${api.url}/v1beta/models/gemini-1.5-pro:generateContent` }, { header_name: 'x-goog-api-key', header_value: KEY }),
      route_type: 'llm/v1/completions',
    },
  ],
  ['/vertex/sa', withModel(vertexOptions, gcp(sa.json))],
  ['/vertex/sa-again', withModel(vertexOptions, gcp(sa.json))],
  ['/vertex/short-lived', withModel(vertexOptions, gcp(shortLived.json))],
  ['/vertex/env', withModel(vertexOptions, gcp())],
  ['/vertex/unknown-key', withModel(vertexOptions, gcp(unknown.json))],
  ['/vertex/not-json', withModel(vertexOptions, gcp('{"private_key": '))],
]

const { lines, pluginLog } = pluginLines()
// Kong reads GCP_SERVICE_ACCOUNT from the environment when no JSON is configured.
const before = process.env.GCP_SERVICE_ACCOUNT
process.env.GCP_SERVICE_ACCOUNT = fromEnv.json
t.teardown(() => {
  if (before === undefined) delete process.env.GCP_SERVICE_ACCOUNT
  else process.env.GCP_SERVICE_ACCOUNT = before
})
const yaml = (list: typeof routes) =>
  stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'empty_service',
        url: 'http://127.0.0.1:9',
        routes: list.map(([path, cfg, log], i) => ({
          name: `r${i}`,
          paths: [path],
          plugins: [
            { name: 'ai-proxy', ...(i === 0 ? { id: '17434c15-2c7c-4c2f-b87a-58880533a3c1' } : {}), config: cfg },
            ...(log ? [{ name: 'file-log', config: { path: log } }] : []),
          ],
        })),
      },
    ],
  })
const gw = await gateway(yaml(routes), { pluginLog })
t.teardown(() => gw.close())

// Kong's spec sends GET, which its mock accepts and Kong passes on; Google's API takes POST alone.
const send = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetchRaw(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, body })
const CHAT = fixture('openai/llm-v1-chat/requests/good.json')

t.test('gemini llm/v1/chat', async (t) => {
  t.test('good request', async (t) => {
    // spec/03-plugins/38-ai-proxy/11-gemini_integration_spec.lua:208
    const r = await send('/gemini/llm/v1/chat/good', CHAT)
    t.equal(r.status, 200)
    const json = r.json<any>()
    t.equal(json.model, 'gemini-1.5-pro')
    t.equal(json.object, 'chat.completion')
    t.equal(json.choices[0].finish_reason, 'stop')
    t.equal(json.choices[0].message.content, 'Everything is okay.')
    t.equal(r.headers['set-cookie'], undefined, "Kong clears gemini's Set-Cookie")
    // What Google got: the chat as contents, the system prompt apart, the options as generationConfig.
    const sent = api.last()
    t.equal(sent.headers['accept-encoding'], 'identity')
    t.same(sent.json, {
      contents: [{ role: 'user', parts: [{ text: 'What is 1 + 1?' }] }],
      systemInstruction: { parts: [{ text: 'You are a helpful assistant.' }] },
      generationConfig: { maxOutputTokens: 256, temperature: 1 },
    })

    // spec/03-plugins/38-ai-proxy/11-gemini_integration_spec.lua:227 (stats from file-log)
    let line = ''
    for (let i = 0; i < 500 && line === ''; i++) {
      if (existsSync(LOG)) line = readFileSync(LOG, 'utf8').trim()
      if (line === '') await new Promise((r) => setTimeout(r, 10))
    }
    const log = JSON.parse(line)
    t.equal(log.client_ip, '127.0.0.1')
    t.type(log.request.size, 'number')
    t.type(log.response.size, 'number')
    const stats = log.ai.proxy
    const latency = stats.meta.llm_latency
    const tpt = stats.usage.time_per_token
    const { request, response } = stats.payload
    delete stats.payload
    stats.meta.llm_latency = 1
    stats.usage.time_per_token = 1
    // spec/03-plugins/38-ai-proxy/11-gemini_integration_spec.lua:36 _EXPECTED_CHAT_STATS
    t.same(stats, {
      meta: {
        plugin_id: '17434c15-2c7c-4c2f-b87a-58880533a3c1',
        provider_name: 'gemini',
        request_model: 'gemini-1.5-pro',
        response_model: 'gemini-1.5-pro',
        llm_latency: 1,
      },
      usage: { prompt_tokens: 2, completion_tokens: 11, total_tokens: 13, time_per_token: 1, cost: 0.000195 },
    })
    t.ok(latency >= 0)
    t.equal(tpt.toFixed(3), (latency / 11).toFixed(3))
    t.match(request, /.*contents.*What is 1 \+ 1.*/)
    t.match(response, /.*content.*Everything is okay.*/)
  })

  t.test('good request with model name from variable', async (t) => {
    // spec/03-plugins/38-ai-proxy/11-gemini_integration_spec.lua:261
    const r = await send('/gemini/llm/v1/chat/good/gemni-2.0-flash', CHAT)
    t.equal(r.status, 200)
    t.equal(r.json<any>().model, 'gemni-2.0-flash')
  })

  t.test('the key as x-goog-api-key or as the key query argument', async (t) => {
    // kong/llm/drivers/gemini.lua configure_request: the configured header, or the query parameter
    let r = await send('/gemini/header-key', CHAT)
    t.equal(r.status, 200)
    t.equal(api.last().headers['x-goog-api-key'], KEY)
    r = await send('/gemini/query-key', CHAT)
    t.equal(r.status, 200)
    t.equal(api.last().query.get('key'), KEY)
  })

  t.test("Google's refusal of a wrong key passes through", async (t) => {
    const r = await send('/gemini/wrong-key', CHAT)
    t.equal(r.status, 400)
    t.equal(r.json<any>().error.status, 'INVALID_ARGUMENT')
  })

  t.test('a safety block is an answer without choices', async (t) => {
    // kong/llm/drivers/gemini.lua from_gemini_chat_openai: no content, no tool call; the counts stay
    const r = await send('/gemini/fails-safety', CHAT)
    t.equal(r.status, 200)
    t.same(r.json(), { choices: {}, model: 'gemini-1.5-pro', usage: { prompt_tokens: 319, total_tokens: 319 } })
  })

  t.test('a streamed request asks for streamGenerateContent', async (t) => {
    // kong/llm/drivers/gemini.lua configure_request: stream_mode picks the operation
    const r = await send('/gemini/stream', JSON.stringify({ ...JSON.parse(CHAT), stream: true }))
    t.equal(r.status, 200)
    const sent = api.last()
    t.match(sent.path, /:streamGenerateContent$/)
    t.equal(sent.json.stream, undefined, "Gemini's request has no stream field")
  })

  t.test('completions are refused before proxying', async (t) => {
    // kong/llm/drivers/gemini.lua to_format: no transformer for the completions route; normalize-request bails with 400
    const n = api.seen.length
    const r = await send('/gemini/completions', fixture('openai/llm-v1-completions/requests/good.json'))
    t.equal(r.status, 400)
    t.same(r.json(), { error: { message: 'no transformer for gemini://llm/v1/completions' } })
    t.equal(api.seen.length, n, 'Google never saw it')
  })
})

t.test('vertex with a service account', async (t) => {
  const issued = (a: Account) => tokenApi.issued.get(a.email) ?? []

  t.test('the access token from the JWT-bearer grant, cached', async (t) => {
    // kong/llm/drivers/shared.lua upstream_url_format.gemini_vertex, operation_map.gemini_vertex;
    // cloud_identity_function: the service account's token as the Authorization bearer
    let r = await send('/vertex/sa', CHAT)
    t.equal(r.status, 200)
    t.equal(r.json<any>().choices[0].message.content, 'Everything is okay.')
    const sent = vertex.last()
    t.equal(sent.path, '/v1/projects/kong-gemini/locations/us-central1/publishers/google/models/gemini-1.5-pro:generateContent')
    t.equal(issued(sa.account).length, 1)
    t.equal(sent.headers.authorization, `Bearer ${issued(sa.account)[0]}`)
    // The same account, on the same route and on another one: the token is reused until it nears expiry.
    r = await send('/vertex/sa', CHAT)
    t.equal(r.status, 200)
    r = await send('/vertex/sa-again', CHAT)
    t.equal(r.status, 200)
    t.equal(issued(sa.account).length, 1, 'one token for three requests')
    t.equal(vertex.last().headers.authorization, `Bearer ${issued(sa.account)[0]}`)
  })

  t.test('a token that expires at once is fetched again', async (t) => {
    // lua-resty-gcp's needsRefresh: past its expiry, a new token
    t.equal((await send('/vertex/short-lived', CHAT)).status, 200)
    t.equal((await send('/vertex/short-lived', CHAT)).status, 200)
    const got = issued(shortLived.account)
    t.equal(got.length, 2)
    t.equal(vertex.last().headers.authorization, `Bearer ${got[1]}`)
  })

  t.test('the account from GCP_SERVICE_ACCOUNT', async (t) => {
    // kong/llm/drivers/shared.lua cloud_identity_function: gcp_service_account_json, else GCP_SERVICE_ACCOUNT
    const r = await send('/vertex/env', CHAT)
    t.equal(r.status, 200)
    t.equal(vertex.last().headers.authorization, `Bearer ${issued(fromEnv.account)[0]}`)
  })

  t.test('no token: refused before proxying', async (t) => {
    // kong/llm/plugin/shared-filters/normalize-request.lua: bail(500, "LLM request failed before proxying")
    const n = vertex.seen.length
    for (const path of ['/vertex/unknown-key', '/vertex/not-json']) {
      const r = await send(path, CHAT)
      t.equal(r.status, 500, path)
      t.same(r.json(), { error: { message: 'LLM request failed before proxying' } })
    }
    t.equal(vertex.seen.length, n, 'Vertex never saw them')
    const logged = lines.filter((l) => l.plugin === 'ai-proxy').map((l) => l.msg)
    t.ok(logged.includes('error authenticating with gemini using native provider auth, the token endpoint answered 400: invalid_grant'))
    t.ok(logged.includes('error authenticating with gemini using native provider auth, the service account is not JSON'))
  })

  t.test('no secret is logged', async (t) => {
    const text = JSON.stringify(lines)
    for (const list of tokenApi.issued.values()) for (const token of list) t.notOk(text.includes(token), 'no access token')
    t.notOk(text.includes('PRIVATE KEY'), 'no key')
    t.notOk(text.includes('eyJ'), 'no assertion')
  })
})

t.test('the metadata server when no account is configured', async (t) => {
  // lua-resty-gcp's workload identity: the machine's own token from the metadata server
  // (GCE_METADATA_HOST, as Google's client libraries read it, points it at the stand-in).
  const saved = { sa: process.env.GCP_SERVICE_ACCOUNT, host: process.env.GCE_METADATA_HOST }
  delete process.env.GCP_SERVICE_ACCOUNT
  process.env.GCE_METADATA_HOST = tokenApi.url.replace('http://', '')
  t.teardown(() => {
    process.env.GCP_SERVICE_ACCOUNT = saved.sa
    if (saved.host === undefined) delete process.env.GCE_METADATA_HOST
    else process.env.GCE_METADATA_HOST = saved.host
  })
  const g = await gateway(yaml([['/vertex/metadata', withModel(vertexOptions, gcp())]]))
  t.teardown(() => g.close())
  const r = await fetchRaw(`${g.url}/vertex/metadata`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: CHAT })
  t.equal(r.status, 200)
  t.equal(vertex.last().headers.authorization, `Bearer ${tokenApi.issued.get('metadata')![0]}`)
})
