// Kong's ai-proxy OpenAI spec (spec/03-plugins/38-ai-proxy/02-openai_integration_spec.lua) through
// a real gateway and a stand-in OpenAI API (openai-standin.ts) that checks the key, the path and
// the body as the real one does and answers with Kong's fixtures. The log record is read from a
// real file-log, as Kong's spec reads it.
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { stringify } from 'yaml'
import { fetchRaw, gateway } from '../../helpers/gateway.js'
import { fixture, openaiStandIn } from './openai-standin.js'

const PLUGIN_ID = '6e7c40f6-ce96-48e4-a366-d109c169e444'

const t0 = await openaiStandIn()
const dir = mkdtempSync(join(tmpdir(), 'ai-proxy-'))
t.teardown(async () => {
  await t0.close()
  rmSync(dir, { recursive: true, force: true })
})
const LOG = { stats: join(dir, 'stats.log'), none: join(dir, 'none.log'), payloads: join(dir, 'payloads.log'), preserve: join(dir, 'preserve.log') }

const chat = (path: string, extra: Record<string, unknown> = {}, model: Record<string, unknown> = {}) => ({
  route_type: 'llm/v1/chat',
  auth: { header_name: 'Authorization', header_value: 'Bearer openai-key' },
  model: { name: 'gpt-3.5-turbo', provider: 'openai', options: { max_tokens: 256, temperature: 1.0, upstream_url: `${t0.url}${path}`, ...model } },
  ...extra,
})
const completions = (auth: Record<string, unknown>) => ({
  route_type: 'llm/v1/completions',
  auth,
  model: {
    name: 'gpt-3.5-turbo-instruct',
    provider: 'openai',
    options: { max_tokens: 256, temperature: 1.0, upstream_url: `${t0.url}/llm/v1/completions/good` },
  },
})
const query = (allow: boolean) => ({ param_name: 'apikey', param_value: 'openai-key', param_location: 'query', allow_override: allow })
const inBody = (allow: boolean) => ({ param_name: 'apikey', param_value: 'openai-key', param_location: 'body', allow_override: allow })
const header = (allow: boolean) => ({ header_name: 'Authorization', header_value: 'Bearer openai-key', allow_override: allow })

const routes: [string, Record<string, unknown>, string?][] = [
  ['/openai/llm/v1/chat/good', { ...chat('/llm/v1/chat/good', { logging: { log_statistics: true } }, { input_cost: 10.0, output_cost: 10.0 }) }, LOG.stats],
  ['/openai/llm/v1/chat/good-without-stats', chat('/llm/v1/chat/good', { logging: { log_payloads: false, log_statistics: false } }), LOG.none],
  ['/openai/llm/v1/chat/good-with-payloads', chat('/llm/v1/chat/good', { logging: { log_payloads: true, log_statistics: true } }), LOG.payloads],
  ['/openai/llm/v1/chat/bad_upstream_response', chat('/llm/v1/chat/bad_upstream_response')],
  ['/openai/llm/v1/chat/bad_request', chat('/llm/v1/chat/bad_request')],
  ['/openai/llm/v1/chat/internal_server_error', chat('/llm/v1/chat/internal_server_error')],
  ['/openai/llm/v1/chat/unauthorized', { ...chat('/llm/v1/chat/good'), auth: { header_name: 'Authorization', header_value: 'Bearer wrong-key' } }],
  ['/openai/llm/v1/chat/allow-override', { ...chat('/llm/v1/chat/good'), auth: header(true) }],
  ['/openai/llm/v1/chat/no-allow-override', { ...chat('/llm/v1/chat/good'), auth: header(false) }],
  [
    '/openai/llm/v1/chat/good-no-model-param',
    { ...chat('/llm/v1/chat/good'), model: { provider: 'openai', options: { upstream_url: `${t0.url}/llm/v1/chat/good` } } },
  ],
  ['/openai/llm/v1/chat/deny-streaming', chat('/llm/v1/chat/good', { response_streaming: 'deny' })],
  ['/openai/llm/v1/completions/good', completions(header(false))],
  ['/openai/llm/v1/completions/query-param-auth', completions(query(true))],
  ['/openai/llm/v1/completions/query-param-auth-no-allow-override', completions(query(false))],
  ['/openai/llm/v1/completions/post-body-auth', completions(inBody(true))],
  ['/openai/llm/v1/completions/post-body-auth-no-allow-override', completions(inBody(false))],
  [
    '/llm/v1/embeddings/good',
    {
      route_type: 'preserve',
      auth: { header_name: 'Authorization', header_value: 'Bearer openai-key' },
      model: { name: 'text-embedding-ada-002', provider: 'openai', options: { upstream_url: `${t0.url}/whatever/doesnt/matter` } },
      logging: { log_statistics: true, log_payloads: true },
    },
    LOG.preserve,
  ],
]

const yml = stringify(
  {
    _format_version: '3.0',
    // Kong's spec points the service nowhere: ai-proxy sets the target.
    services: [
      {
        name: 'empty',
        url: 'http://127.0.0.1:9',
        routes: routes.map(([path, config, log], i) => ({
          name: `r${i}`,
          paths: [path],
          strip_path: true,
          plugins: [{ name: 'ai-proxy', ...(i === 0 ? { id: PLUGIN_ID } : {}), config }, ...(log ? [{ name: 'file-log', config: { path: log } }] : [])],
        })),
      },
    ],
  },
  { lineWidth: 0 },
)

const gw = await gateway(yml)
t.teardown(() => gw.close())

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetchRaw(`${gw.url}${path}`, { method: 'GET', headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, body })
const CHAT = fixture('openai/llm-v1-chat/requests/good.json')
const COMPLETION = fixture('openai/llm-v1-completions/requests/good.json')

/** The first JSON line of a log file, once file-log wrote it (the log phase runs after the answer). */
async function logEntry(path: string): Promise<Record<string, any>> {
  for (let i = 0; i < 500; i++) {
    if (existsSync(path)) {
      const line = readFileSync(path, 'utf8')
        .split('\n')
        .find((l) => l.trim() !== '')
      if (line) return JSON.parse(line) as Record<string, any>
    }
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`no log line in ${path}`)
}

const lastSeen = () => t0.seen[t0.seen.length - 1]!

t.test('openai general', async (t) => {
  t.test('logs statistics', async (t) => {
    // spec/03-plugins/38-ai-proxy/02-openai_integration_spec.lua:840
    const r = await post('/openai/llm/v1/chat/good', CHAT)
    t.equal(r.status, 200)
    const json = r.json<any>()
    t.equal(json.id, 'chatcmpl-8T6YwgvjQVVnGbJ2w8hpOA17SeNy2')
    t.equal(json.model, 'gpt-3.5-turbo-0613')
    t.equal(json.object, 'chat.completion')
    t.same(json.choices[0].message, { content: 'The sum of 1 + 1 is 2.', role: 'assistant' })
    const log = await logEntry(LOG.stats)
    t.equal(log.client_ip, '127.0.0.1')
    t.type(log.request.size, 'number')
    t.type(log.response.size, 'number')
    // :43 _EXPECTED_CHAT_STATS, latency and time per token aside
    const got = log.ai.proxy
    t.ok(got.meta.llm_latency >= 0)
    t.equal(Number(got.usage.time_per_token.toFixed(3)), Number((got.meta.llm_latency / got.usage.completion_tokens).toFixed(3)))
    got.meta.llm_latency = 1
    got.usage.time_per_token = 1
    t.same(got, {
      meta: { plugin_id: PLUGIN_ID, provider_name: 'openai', request_model: 'gpt-3.5-turbo', response_model: 'gpt-3.5-turbo-0613', llm_latency: 1 },
      usage: { prompt_tokens: 25, completion_tokens: 12, total_tokens: 37, time_per_token: 1, cost: 0.00037 },
    })
  })

  t.test('does not log statistics', async (t) => {
    // spec/03-plugins/38-ai-proxy/02-openai_integration_spec.lua:886
    const r = await post('/openai/llm/v1/chat/good-without-stats', CHAT)
    t.equal(r.status, 200)
    t.equal(r.json<any>().id, 'chatcmpl-8T6YwgvjQVVnGbJ2w8hpOA17SeNy2')
    const log = await logEntry(LOG.none)
    t.equal(log.client_ip, '127.0.0.1')
    t.equal(log.ai, undefined)
  })

  t.test('logs payloads', async (t) => {
    // spec/03-plugins/38-ai-proxy/02-openai_integration_spec.lua:920
    const r = await post('/openai/llm/v1/chat/good-with-payloads', CHAT)
    t.equal(r.status, 200)
    const message = (await logEntry(LOG.payloads)).ai.proxy
    t.match(message.payload.request, '"content":"What is 1 + 1?"')
    t.match(message.payload.request, '"role":"user"')
    t.match(message.payload.response, '"content": "The sum of 1 + 1 is 2.",')
    t.match(message.payload.response, '"role": "assistant"')
    t.match(message.payload.response, '"id": "chatcmpl-8T6YwgvjQVVnGbJ2w8hpOA17SeNy2"')
  })

  t.test('internal_server_error request', async (t) => {
    // spec/03-plugins/38-ai-proxy/02-openai_integration_spec.lua:964
    const r = await post('/openai/llm/v1/chat/internal_server_error', CHAT)
    t.equal(r.status, 500)
    t.ok(r.body.length > 0)
  })

  t.test('unauthorized request', async (t) => {
    // spec/03-plugins/38-ai-proxy/02-openai_integration_spec.lua:977
    const r = await post('/openai/llm/v1/chat/unauthorized', CHAT)
    t.equal(r.status, 401)
    t.equal(r.json<any>().error.code, 'invalid_api_key')
  })

  t.test("the client's own key with allow_override", async (t) => {
    // spec/03-plugins/38-ai-proxy/02-openai_integration_spec.lua:994 and :1012
    const wrong = await post('/openai/llm/v1/chat/allow-override', CHAT, { authorization: 'Bearer wrong' })
    t.equal(wrong.status, 401, "the client's wrong key is the one sent")
    t.equal(wrong.json<any>().error.code, 'invalid_api_key')
    const right = await post('/openai/llm/v1/chat/allow-override', CHAT, { authorization: 'Bearer openai-key' })
    t.equal(right.status, 200)
  })

  t.test("the client's key without allow_override", async (t) => {
    // spec/03-plugins/38-ai-proxy/02-openai_integration_spec.lua:1025 and :1038
    t.equal((await post('/openai/llm/v1/chat/no-allow-override', CHAT, { authorization: 'Bearer openai-key' })).status, 200)
    const r = await post('/openai/llm/v1/chat/no-allow-override', CHAT, { authorization: 'Bearer wrong' })
    t.equal(r.status, 200, "the plugin's key replaces the client's")
    t.equal(lastSeen().headers.authorization, 'Bearer openai-key')
  })
})

t.test('openai llm/v1/chat', async (t) => {
  t.test('good request', async (t) => {
    // spec/03-plugins/38-ai-proxy/02-openai_integration_spec.lua:1054
    const r = await post('/openai/llm/v1/chat/good', CHAT)
    t.equal(r.status, 200)
    t.equal(r.headers['x-kong-llm-model'], 'openai/gpt-3.5-turbo')
    t.same(r.json<any>().choices[0].message, { content: 'The sum of 1 + 1 is 2.', role: 'assistant' })
    // What went upstream: the configured model and options, over the fixture's path.
    const seen = lastSeen()
    t.equal(seen.path, '/llm/v1/chat/good')
    t.equal(seen.method, 'GET')
    t.equal(seen.headers['content-type'], 'application/json')
    t.equal(seen.headers['accept-encoding'], 'gzip, identity')
    t.match(seen.json, { model: 'gpt-3.5-turbo', max_tokens: 256, temperature: 1, stream: false, messages: JSON.parse(CHAT).messages })
    t.equal(r.headers['set-cookie'], undefined, "OpenAI's cookie is not passed on")
  })

  t.test('good request, parses model of cjson.null', async (t) => {
    // spec/03-plugins/38-ai-proxy/02-openai_integration_spec.lua:1099
    const body = { ...JSON.parse(CHAT), model: null }
    const r = await post('/openai/llm/v1/chat/good', JSON.stringify(body))
    t.equal(r.status, 200)
    t.equal(r.json<any>().id, 'chatcmpl-8T6YwgvjQVVnGbJ2w8hpOA17SeNy2')
  })

  t.test('tries to override configured model', async (t) => {
    // spec/03-plugins/38-ai-proxy/02-openai_integration_spec.lua:1130
    const before = t0.seen.length
    const r = await post('/openai/llm/v1/chat/good', fixture('openai/llm-v1-chat/requests/good_own_model.json'))
    t.equal(r.status, 400)
    t.same(r.json(), { error: { message: 'cannot use own model - must be: gpt-3.5-turbo' } })
    t.equal(t0.seen.length, before, 'never sent upstream')
  })

  t.test('bad upstream response', async (t) => {
    // spec/03-plugins/38-ai-proxy/02-openai_integration_spec.lua:1145
    const r = await post('/openai/llm/v1/chat/bad_upstream_response', CHAT)
    t.equal(r.status, 500)
    t.equal(r.json<any>().error.message, "transformation failed from type openai://llm/v1/chat: 'choices' not in llm/v1/chat response")
  })

  t.test('bad request', async (t) => {
    // spec/03-plugins/38-ai-proxy/02-openai_integration_spec.lua:1161
    const before = t0.seen.length
    const r = await post('/openai/llm/v1/chat/bad_request', fixture('openai/llm-v1-chat/requests/bad_request.json'))
    t.equal(r.status, 400)
    t.equal(r.json<any>().error.message, "request body doesn't contain valid prompts")
    t.equal(t0.seen.length, before, 'never sent upstream')
  })

  t.test('good request setting model from client body', async (t) => {
    // spec/03-plugins/38-ai-proxy/02-openai_integration_spec.lua:1179
    const r = await post('/openai/llm/v1/chat/good-no-model-param', fixture('openai/llm-v1-chat/requests/good_own_model.json'))
    t.equal(r.status, 200)
    t.equal(r.headers['x-kong-llm-model'], 'openai/try-to-override-the-model')
    t.equal(lastSeen().json?.model, 'try-to-override-the-model')
  })

  t.test("user defined model doesn't pollute long lived config table", async (t) => {
    // spec/03-plugins/38-ai-proxy/02-openai_integration_spec.lua:1207
    for (const model of ['gpt-3.5-turbo', 'gpt-4o']) {
      const r = await post('/openai/llm/v1/chat/good-no-model-param', JSON.stringify({ ...JSON.parse(CHAT), model }))
      t.equal(r.status, 200)
      t.equal(r.headers['x-kong-llm-model'], `openai/${model}`)
    }
  })

  t.test('a request without a model anywhere', async (t) => {
    // kong/llm/plugin/shared-filters/normalize-request.lua: bail(400, "model parameter not found ...")
    const r = await post('/openai/llm/v1/chat/good-no-model-param', CHAT)
    t.equal(r.status, 400)
    t.same(r.json(), { error: { message: 'model parameter not found in request, nor in gateway configuration' } })
  })

  t.test('a request of the other route type', async (t) => {
    // kong/llm/init.lua is_compatible
    const r = await post('/openai/llm/v1/chat/good', JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], prompt: 'hi' }))
    t.equal(r.status, 400)
    t.same(r.json(), { error: { message: 'request matches multiple LLM request formats' } })
    const c = await post('/openai/llm/v1/completions/good', CHAT)
    t.equal(c.status, 400)
    t.same(c.json(), { error: { message: '[llm/v1/chat] message format is not compatible with [llm/v1/completions] route type' } })
    const d = await post('/openai/llm/v1/chat/good', COMPLETION)
    t.same(d.json(), { error: { message: '[llm/v1/completions] message format is not compatible with [llm/v1/chat] route type' } })
  })

  t.test('response_streaming deny refuses a stream', async (t) => {
    // kong/llm/plugin/shared-filters/normalize-request.lua: "response streaming is not enabled for this LLM"
    const r = await post('/openai/llm/v1/chat/deny-streaming', JSON.stringify({ ...JSON.parse(CHAT), stream: true }))
    t.equal(r.status, 400)
    t.same(r.json(), { error: { message: 'response streaming is not enabled for this LLM' } })
    t.equal((await post('/openai/llm/v1/chat/deny-streaming', CHAT)).status, 200, 'an answer in one piece is fine')
  })

  t.test('an upstream error passes through', async (t) => {
    const r = await post('/openai/llm/v1/chat/bad_request', CHAT)
    t.equal(r.status, 400)
    t.same(r.json(), JSON.parse(fixture('openai/llm-v1-chat/responses/bad_request.json')))
  })

  t.test('gzip: an answer for a client that accepts it', async (t) => {
    // kong/llm/plugin/shared-filters/normalize-response-header.lua: Content-Encoding gzip when accepted
    const { request } = await import('undici')
    const { gunzipSync } = await import('node:zlib')
    const r = await request(`${gw.url}/openai/llm/v1/chat/good`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept-encoding': 'gzip' },
      body: CHAT,
    })
    t.equal(r.statusCode, 200)
    t.equal(r.headers['content-encoding'], 'gzip')
    const json = JSON.parse(gunzipSync(Buffer.from(await r.body.arrayBuffer())).toString('utf8'))
    t.equal(json.id, 'chatcmpl-8T6YwgvjQVVnGbJ2w8hpOA17SeNy2')
  })
})

t.test('openai llm/v1/completions', async (t) => {
  t.test('good request', async (t) => {
    // spec/03-plugins/38-ai-proxy/02-openai_integration_spec.lua:1244
    const r = await post('/openai/llm/v1/completions/good', COMPLETION)
    t.equal(r.status, 200)
    const json = r.json<any>()
    t.equal(json.id, 'cmpl-8TBeaJVQIhE9kHEJbk1RnKzgFxIqN')
    t.equal(json.model, 'gpt-3.5-turbo-instruct')
    t.equal(json.object, 'text_completion')
    t.equal(json.choices[0].text, '\n\nI am a language model AI created by OpenAI. I can answer questions')
    t.match(lastSeen().json, { model: 'gpt-3.5-turbo-instruct', prompt: JSON.parse(COMPLETION).prompt })
  })

  t.test('bad request', async (t) => {
    // spec/03-plugins/38-ai-proxy/02-openai_integration_spec.lua:1267
    const r = await post('/openai/llm/v1/completions/good', fixture('openai/llm-v1-completions/requests/bad_request.json'))
    t.equal(r.status, 400)
    t.equal(r.json<any>().error.message, "request body doesn't contain valid prompts")
  })
})

t.test('openai preserve mode', async (t) => {
  t.test('embeddings', async (t) => {
    // spec/03-plugins/38-ai-proxy/02-openai_integration_spec.lua:1287
    const body = JSON.stringify({ input: 'The food was delicious and the waiter...', model: 'text-embedding-ada-002' })
    const r = await post('/llm/v1/embeddings/good', body)
    t.equal(r.status, 200)
    const json = r.json<any>()
    t.ok(json.data?.[0])
    t.equal(json.model, 'text-embedding-3-large')
    t.equal(r.headers['x-kong-llm-model'], 'openai/text-embedding-ada-002')
    // preserve: the client's path and body go upstream untouched
    t.equal(lastSeen().path, '/llm/v1/embeddings/good')
    t.equal(lastSeen().body, body)
    const log = await logEntry(LOG.preserve)
    t.equal(log.ai.proxy.meta.request_model, 'text-embedding-ada-002')
    t.equal(log.ai.proxy.payload.request, body)
  })
})

t.test('openai different auth methods', async (t) => {
  const ok = (t: { equal: (a: unknown, b: unknown) => void }, r: Awaited<ReturnType<typeof post>>) => {
    t.equal(r.status, 200)
    t.equal(r.json<any>().id, 'cmpl-8TBeaJVQIhE9kHEJbk1RnKzgFxIqN')
  }
  t.test('works with query param auth', async (t) => {
    // spec/03-plugins/38-ai-proxy/02-openai_integration_spec.lua:1312
    ok(t, await post('/openai/llm/v1/completions/query-param-auth', COMPLETION))
    t.equal(lastSeen().query.get('apikey'), 'openai-key')
  })
  t.test('works with query param auth with client right auth parm', async (t) => {
    // spec/03-plugins/38-ai-proxy/02-openai_integration_spec.lua:1334
    ok(t, await post('/openai/llm/v1/completions/query-param-auth?apikey=openai-key', COMPLETION))
  })
  t.test('works with query param auth with client wrong auth parm', async (t) => {
    // spec/03-plugins/38-ai-proxy/02-openai_integration_spec.lua:1356
    const r = await post('/openai/llm/v1/completions/query-param-auth?apikey=wrong', COMPLETION)
    t.equal(r.status, 401)
    t.equal(r.json<any>().error.code, 'invalid_api_key')
  })
  t.test('query param auth without allow-override', async (t) => {
    // spec/03-plugins/38-ai-proxy/02-openai_integration_spec.lua:1373 and :1395
    ok(t, await post('/openai/llm/v1/completions/query-param-auth-no-allow-override?apikey=openai-key', COMPLETION))
    ok(t, await post('/openai/llm/v1/completions/query-param-auth-no-allow-override?apikey=wrong', COMPLETION))
    t.same(lastSeen().query.getAll('apikey'), ['openai-key'])
  })
  t.test('works with post body auth', async (t) => {
    // spec/03-plugins/38-ai-proxy/02-openai_integration_spec.lua:1417
    ok(t, await post('/openai/llm/v1/completions/post-body-auth', COMPLETION))
    t.equal(lastSeen().json?.apikey, 'openai-key')
  })
  t.test('post body auth with the client’s key', async (t) => {
    // spec/03-plugins/38-ai-proxy/02-openai_integration_spec.lua:1461, :1486, :1506, :1531
    const withKey = (key: string) => JSON.stringify({ ...JSON.parse(COMPLETION), apikey: key })
    ok(t, await post('/openai/llm/v1/completions/post-body-auth', withKey('openai-key')))
    const wrong = await post('/openai/llm/v1/completions/post-body-auth', withKey('wrong'))
    t.equal(wrong.status, 401)
    t.equal(wrong.json<any>().error.code, 'invalid_api_key')
    ok(t, await post('/openai/llm/v1/completions/post-body-auth-no-allow-override', withKey('openai-key')))
    ok(t, await post('/openai/llm/v1/completions/post-body-auth-no-allow-override', withKey('wrong')))
  })
})
