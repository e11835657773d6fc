// Kong's streaming integration spec (spec/03-plugins/38-ai-proxy/09-streaming_integration_spec.lua)
// through a real gateway and a loopback stand-in that streams, chunk by chunk as Kong's mock
// locations print them (spec fixtures copied in test/fixtures/kong-ai-proxy/streaming/), the
// provider's events; the stand-in checks what each API checks before it streams (the key, the
// operation's body, `stream: true`). The client reads the answer as Kong's test does: each
// non-empty line, `data: ` cut off, decoded. The bedrock case of that spec belongs with its
// driver. Then what the spec leaves out: token counts from the
// events in the log, JSON lines (mistral's ollama format), an event that fails to translate,
// a content type Kong does not translate.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { stringify } from 'yaml'
import { fetchRaw, gateway } from '../../helpers/gateway.js'
import { pluginLines } from '../../helpers/plugin-gateway.js'
import { fixture } from './openai-standin.js'
import { providerStandIn, type Answer, type Seen } from './provider-standin.js'

const CHUNKS = JSON.parse(fixture('streaming/chunks.json')) as Record<string, string[]>
const sse = (events: string[]) => events.map((e) => `${e}\n\n`)

// spec/03-plugins/38-ai-proxy/09-streaming_integration_spec.lua:184 (pretend to truncate chunks)
const partial = (events: string[]) => events.map((e, i) => (events[i + 1] !== undefined && !events[i + 1]!.startsWith('data:') ? e : `${e}\n\n`))

// spec/03-plugins/38-ai-proxy/09-streaming_integration_spec.lua:300 (an event line, then its data)
const anthropicChunks = () => CHUNKS['anthropic-good-events']!.flatMap((e, i) => [`${e}\n`, `${CHUNKS['anthropic-good-data']![i]}\n\n`])

const OLLAMA = [
  '{"model":"mistral","created_at":"2024-01-01T00:00:00Z","message":{"role":"assistant","content":"1 + 1"},"done":false}\n',
  '{"model":"mistral","created_at":"2024-01-01T00:00:00Z","message":{"role":"assistant","content":" = 2"},"done":false}\n{"model":"mis',
  'tral","created_at":"2024-01-01T00:00:01Z","message":{"role":"assistant","content":""},"done":true,"prompt_eval_count":26,"eval_count":8}\n',
]

const stream = (chunks: string[], type = 'text/event-stream'): Answer => ({ status: 200, body: '', type, chunks })
const unauthorized = (): Answer => ({ status: 401, body: fixture('openai/llm-v1-chat/responses/unauthorized.json') })

/** What each API checks before it streams: its key, the operation's fields, and that a stream was asked for. */
const api = await providerStandIn(t, (s: Seen) => {
  const b = s.json
  const [, provider, ...rest] = s.path.split('/')
  const scenario = rest.join('/')
  if (provider === 'openai' || provider === 'mistral') {
    if (s.headers.authorization !== 'Bearer openai-key') return unauthorized()
    if (!Array.isArray(b?.messages)) return { status: 400, body: fixture('openai/llm-v1-chat/responses/bad_request.json') }
    // spec/03-plugins/38-ai-proxy/09-streaming_integration_spec.lua:339 (BAD RESPONSE)
    if (scenario === 'bad') return { status: 400, body: '{"error": { "message": "failure of some kind" }}\n' }
    if (b.stream !== true) return { status: 400, body: '{"error":{"message":"expected a stream"}}' }
    if (scenario === 'good') return stream(sse(CHUNKS['openai-good']!))
    if (scenario === 'partial') return stream(partial(CHUNKS['openai-partial']!))
    if (scenario === 'plain') return stream(['The answer ', 'is 2.'], 'text/plain')
    if (scenario === 'ollama') return stream(OLLAMA, 'application/x-ndjson')
  }
  if (provider === 'cohere') {
    if (s.headers.authorization !== 'Bearer cohere-key') return unauthorized()
    // Cohere's /v1/chat needs the last message as `message`.
    if (typeof b?.message !== 'string' || b.stream !== true) return { status: 400, body: '{"message":"invalid request: message must be a string"}' }
    if (scenario === 'good') return stream(sse(CHUNKS['cohere-good']!))
    if (scenario === 'garbled')
      return stream(sse([CHUNKS['cohere-good']![0]!, '{"is_finished":false,"event_type":"text-gen', CHUNKS['cohere-good']![1]!, CHUNKS['cohere-good']![12]!]))
  }
  if (provider === 'gemini') {
    // Google's API takes the key in x-goog-api-key and streams from :streamGenerateContent.
    if (s.headers['x-goog-api-key'] !== '123') return unauthorized()
    if (!Array.isArray(b?.contents)) return { status: 400, body: '{"error":{"code":400,"message":"contents is required"}}' }
    // spec/03-plugins/38-ai-proxy/09-streaming_integration_spec.lua:351 (each chunk followed by "\n\n", typed application/json)
    return stream(sse(CHUNKS['gemini-functions']!), 'application/json')
  }
  if (provider === 'anthropic') {
    if (s.headers['x-api-key'] !== 'anthropic-key') return unauthorized()
    if (typeof s.headers['anthropic-version'] !== 'string')
      return { status: 400, body: '{"type":"error","error":{"type":"invalid_request_error","message":"anthropic-version: header is required"}}' }
    if (!Array.isArray(b?.messages) || typeof b.max_tokens !== 'number' || b.stream !== true)
      return { status: 400, body: '{"type":"error","error":{"type":"invalid_request_error","message":"messages: Field required"}}' }
    return stream(anthropicChunks())
  }
  return { status: 404, body: '{}' }
})

const dir = mkdtempSync(join(tmpdir(), 'ai-proxy-streaming-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const logOf = (name: string) => join(dir, `${name}.log`)

const openai = (scenario: string, extra: Record<string, unknown> = {}) => ({
  route_type: 'llm/v1/chat',
  auth: { header_name: 'Authorization', header_value: 'Bearer openai-key' },
  model: {
    name: 'gpt-3.5-turbo',
    provider: 'openai',
    options: { max_tokens: 256, temperature: 1.0, upstream_url: `${api.url}/openai/${scenario}`, input_cost: 10.0, output_cost: 10.0 },
  },
  ...extra,
})

const routes: { path: string; config: Record<string, unknown>; id?: string; log?: string }[] = [
  { path: '/openai/llm/v1/chat/good', config: openai('good') },
  {
    path: '/openai/llm/v1/chat/partial',
    id: '6e7c40f6-ce96-48e4-a366-d109c169e444',
    config: openai('partial', { logging: { log_payloads: true, log_statistics: true } }),
    log: logOf('partial'),
  },
  {
    path: '/cohere/llm/v1/chat/good',
    config: {
      route_type: 'llm/v1/chat',
      auth: { header_name: 'Authorization', header_value: 'Bearer cohere-key' },
      model: {
        name: 'command',
        provider: 'cohere',
        options: { max_tokens: 256, temperature: 1.0, upstream_url: `${api.url}/cohere/good`, input_cost: 10.0, output_cost: 10.0 },
      },
      logging: { log_statistics: true },
    },
    log: logOf('cohere'),
  },
  {
    path: '/anthropic/llm/v1/chat/good',
    config: {
      route_type: 'llm/v1/chat',
      auth: { header_name: 'x-api-key', header_value: 'anthropic-key' },
      model: {
        name: 'claude-2.1',
        provider: 'anthropic',
        options: {
          max_tokens: 256,
          temperature: 1.0,
          upstream_url: `${api.url}/anthropic/v1/messages`,
          anthropic_version: '2023-06-01',
          input_cost: 10.0,
          output_cost: 10.0,
        },
      },
      logging: { log_statistics: true },
    },
    log: logOf('anthropic'),
  },
  {
    // spec/03-plugins/38-ai-proxy/09-streaming_integration_spec.lua:606
    path: '/gemini/llm/v1/chat/functions/good',
    config: {
      route_type: 'llm/v1/chat',
      logging: { log_payloads: false, log_statistics: true },
      model: {
        name: 'gemini-1.5-flash',
        provider: 'gemini',
        options: { max_tokens: 512, temperature: 0.6, upstream_url: `${api.url}/gemini/functions`, input_cost: 20.0, output_cost: 20.0 },
      },
      auth: { header_name: 'x-goog-api-key', header_value: '123', allow_override: false },
    },
    log: logOf('gemini'),
  },
  { path: '/openai/llm/v1/chat/bad', config: openai('bad') },
  { path: '/openai/llm/v1/chat/plain', config: openai('plain') },
  {
    path: '/mistral/ollama',
    config: {
      route_type: 'llm/v1/chat',
      auth: { header_name: 'Authorization', header_value: 'Bearer openai-key' },
      model: { name: 'mistral', provider: 'mistral', options: { mistral_format: 'ollama', upstream_url: `${api.url}/mistral/ollama` } },
      logging: { log_statistics: true },
    },
    log: logOf('ollama'),
  },
  {
    path: '/cohere/garbled',
    config: {
      route_type: 'llm/v1/chat',
      auth: { header_name: 'Authorization', header_value: 'Bearer cohere-key' },
      model: { name: 'command', provider: 'cohere', options: { upstream_url: `${api.url}/cohere/garbled` } },
    },
  },
]

const { lines, pluginLog } = pluginLines()
const gw = await gateway(
  stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'empty_service',
        url: 'http://127.0.0.1:9',
        routes: routes.map((r, i) => ({
          name: `r${i}`,
          paths: [r.path],
          plugins: [{ name: 'ai-proxy', ...(r.id ? { id: r.id } : {}), config: r.config }, ...(r.log ? [{ name: 'file-log', config: { path: r.log } }] : [])],
        })),
      },
    ],
  }),
  { pluginLog },
)
t.teardown(() => gw.close())

const send = (path: string, file = 'openai/llm-v1-chat/requests/good-stream.json') =>
  fetchRaw(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: fixture(file) })

/** Kong's test reader: each non-empty line, `data: ` cut off and decoded; the delta contents joined. */
function read(body: string): { events: string[]; text: string } {
  const events = body.split(/[\r\n]+/).filter((l) => l !== '')
  let text = ''
  for (const line of events) {
    let chunk: any
    try {
      chunk = JSON.parse(line.slice(6))
    } catch {
      chunk = undefined
    }
    const content = chunk?.choices?.[0]?.delta?.content
    text += typeof content === 'string' ? content : ''
  }
  return { events, text }
}

async function logRecord(file: string): Promise<any> {
  let line = ''
  for (let i = 0; i < 500 && line === ''; i++) {
    if (existsSync(file)) line = readFileSync(file, 'utf8').trim()
    if (line === '') await new Promise((r) => setTimeout(r, 10))
  }
  return JSON.parse(line)
}

t.test('good stream request openai', async (t) => {
  const r = await send('/openai/llm/v1/chat/good')
  t.equal(r.status, 200)
  t.equal(r.headers['content-type'], 'text/event-stream')
  const { events, text } = read(r.body)
  // spec/03-plugins/38-ai-proxy/09-streaming_integration_spec.lua:870
  t.equal(events.length, 8)
  t.equal(text, 'The answer to 1 + 1 is 2.')
  t.equal(events[7], 'data: [DONE]')
  t.match(r.body, /^(data: [^\n]+\n\n)+$/, 'every frame is `data: ...` and a blank line')
  t.equal(api.last().headers['accept-encoding'], 'identity', 'a stream is asked for unencoded')
})

t.test('good stream request openai with partial split chunks', async (t) => {
  const r = await send('/openai/llm/v1/chat/partial')
  const { events, text } = read(r.body)
  // spec/03-plugins/38-ai-proxy/09-streaming_integration_spec.lua:931
  t.equal(events.length, 8)
  t.equal(text, 'The answer to 1 + 1 is 2.')
  const log = await logRecord(logOf('partial'))
  // spec/03-plugins/38-ai-proxy/09-streaming_integration_spec.lua:935
  t.equal(log.client_ip, '127.0.0.1')
  t.type(log.request.size, 'number')
  t.type(log.response.size, 'number')
  const stats = log.ai.proxy
  const latency = stats.meta.llm_latency
  const tpot = stats.usage.time_per_token
  const payload = stats.payload
  delete stats.payload
  stats.meta.llm_latency = 1
  stats.usage.time_per_token = 1
  // spec/03-plugins/38-ai-proxy/09-streaming_integration_spec.lua:12 and :953. Kong expects 13
  // completion tokens (31 in all, cost 0.00031): its last body_filter call re-reads the previous
  // chunk's events (nothing new is parsed from the empty last chunk), and with the mock's whole
  // answer in one buffer every token is counted twice: 2 x 25 characters / 4. We count each
  // token once: ceil(25 / 4) = 7.
  t.same(stats, {
    meta: {
      plugin_id: '6e7c40f6-ce96-48e4-a366-d109c169e444',
      provider_name: 'openai',
      request_model: 'gpt-3.5-turbo',
      response_model: 'gpt-3.5-turbo',
      llm_latency: 1,
    },
    usage: { prompt_tokens: 18, completion_tokens: 7, total_tokens: 25, time_per_token: 1, cost: 0.00025 },
  })
  t.ok(latency >= 0)
  t.equal(tpot.toFixed(3), (latency / 7).toFixed(3))
  // spec/03-plugins/38-ai-proxy/09-streaming_integration_spec.lua:959
  t.match(payload.request, /.*content.*What is 1 \+ 1.*/)
  t.match(payload.response, /.*content.*The answer.*/)
  // Kong's composite answer (normalize-sse-chunk.lua)
  t.same(JSON.parse(payload.response), {
    choices: [{ finish_reason: 'stop', index: 0, logprobs: null, message: { role: 'assistant', content: 'The answer to 1 + 1 is 2.' } }],
    object: 'chat.completion',
    response: 'The answer to 1 + 1 is 2.',
    usage: { prompt_tokens: 18, completion_tokens: 7, total_tokens: 25 },
  })
})

t.test('good stream request cohere', async (t) => {
  const r = await send('/cohere/llm/v1/chat/good', 'cohere/llm-v1-chat/requests/good-stream.json')
  const { events, text } = read(r.body)
  // spec/03-plugins/38-ai-proxy/09-streaming_integration_spec.lua:1024
  t.equal(events.length, 17)
  t.equal(text, '1 + 1 = 2. This is the most basic example of addition.')
  t.equal(events[16], 'data: [DONE]')
  const first = JSON.parse(events[0]!.slice(6))
  t.same(first, {
    choices: [{ delta: { content: '', role: 'assistant' }, index: 0 }],
    id: '3f41d0ea-0d9c-4ecd-990a-88ba46ede663',
    model: 'command',
    object: 'chat.completion.chunk',
  })
  // kong/llm/drivers/cohere.lua: stream-end's billed units are the tokens
  const usage = (await logRecord(logOf('cohere'))).ai.proxy.usage
  t.equal(usage.prompt_tokens, 57)
  t.equal(usage.completion_tokens, 123)
  t.equal(usage.total_tokens, 180)
  t.equal(usage.cost, 0.0018)
})

t.test('good stream request anthropic', async (t) => {
  const r = await send('/anthropic/llm/v1/chat/good', 'anthropic/llm-v1-chat/requests/good-stream.json')
  const { events, text } = read(r.body)
  // spec/03-plugins/38-ai-proxy/09-streaming_integration_spec.lua:1088
  t.equal(events.length, 8)
  t.equal(text, '1 + 1 = 2')
  t.equal(events[7], 'data: [DONE]')
  // kong/llm/drivers/anthropic.lua start_to_event / delta_to_event
  t.same(JSON.parse(events[0]!.slice(6)), {
    choices: [{ delta: { content: '', role: 'assistant' }, index: 0, logprobs: null }],
    id: 'msg_013NVLwA2ypoPDJAxqC3G7wg',
    model: 'claude-2.1',
    object: 'chat.completion.chunk',
    system_fingerprint: null,
  })
  t.same(JSON.parse(events[2]!.slice(6)), {
    choices: [{ delta: { content: '1' }, index: 0, finish_reason: null, logprobs: null }],
    id: 'msg_013NVLwA2ypoPDJAxqC3G7wg',
    model: 'claude-2.1',
    object: 'chat.completion.chunk',
  })
  // message_start's input and output tokens, then message_delta's output tokens, added up as Kong does.
  const usage = (await logRecord(logOf('anthropic'))).ai.proxy.usage
  t.equal(usage.prompt_tokens, 15)
  t.equal(usage.completion_tokens, 10)
  t.equal(usage.total_tokens, 25)
})

t.test('good stream request gemini with function calls', async (t) => {
  const res = await send('/gemini/llm/v1/chat/functions/good', 'openai/llm-v1-chat/requests/good-stream-with-functions.json')
  // spec/03-plugins/38-ai-proxy/09-streaming_integration_spec.lua:1170
  t.equal(res.status, 200)
  let name: unknown
  let args: unknown
  for (const line of read(res.body).events) {
    let chunk: any
    try {
      chunk = JSON.parse(line.slice(6))
    } catch {
      chunk = undefined
    }
    const call = chunk?.choices?.[0]?.delta?.tool_calls?.[0]?.function
    if (call) {
      name = call.name
      args = call.arguments
    }
  }
  // spec/03-plugins/38-ai-proxy/09-streaming_integration_spec.lua:1201
  t.equal(name, 'add')
  t.same(JSON.parse(String(args)), { a: 2, b: 12 })
  t.match(res.body, /data: \[DONE\]\n\n$/, "the array's end is the stream's end")
  // normalize-sse-chunk.lua: gemini's usageMetadata sets the counts (47 + 3), priced at 20 per million each
  const usage = (await logRecord(logOf('gemini'))).ai.proxy.usage
  t.same([usage.prompt_tokens, usage.completion_tokens, usage.total_tokens], [47, 3, 50])
  t.equal(usage.cost, (50 * 20) / 1_000_000)
})

t.test('bad request is returned to the client not-streamed', async (t) => {
  const r = await send('/openai/llm/v1/chat/bad')
  // spec/03-plugins/38-ai-proxy/09-streaming_integration_spec.lua:1140
  t.equal(r.status, 400)
  t.equal(read(r.body).events.length, 1)
  t.equal(r.body, '{"error": { "message": "failure of some kind" }}\n', 'passed on as it came')
})

t.test("mistral's ollama format: JSON lines translated, the done line's eval counts are the tokens", async (t) => {
  const r = await send('/mistral/ollama')
  const { events, text } = read(r.body)
  t.equal(text, '1 + 1 = 2')
  t.equal(events.length, 3)
  t.equal(events[2], 'data: [DONE]')
  // kong/llm/drivers/shared.lua handle_stream_event
  t.same(JSON.parse(events[0]!.slice(6)), { choices: [{ delta: { content: '1 + 1' }, index: 0 }], model: 'mistral', object: 'chat.completion.chunk' })
  const usage = (await logRecord(logOf('ollama'))).ai.proxy.usage
  t.equal(usage.prompt_tokens, 18 + 26, "the request's estimate (mistral reports no prompt tokens up front), then the done line's count added")
  t.equal(usage.completion_tokens, 8)
})

t.test('an event that fails to translate is logged and skipped; the stream goes on', async (t) => {
  const before = lines.length
  const r = await send('/cohere/garbled', 'cohere/llm-v1-chat/requests/good-stream.json')
  t.equal(r.status, 200)
  const { events, text } = read(r.body)
  t.equal(events.length, 3, 'stream-start, the one good token, [DONE]')
  t.equal(text, '1')
  t.match(
    lines.slice(before).map((l) => [l.plugin, l.msg]),
    [['ai-proxy', /failed to translate a streamed event: .*failed to decode event frame from cohere/]],
  )
})

t.test("a content type Kong does not translate: Kong's one error event", async (t) => {
  const r = await send('/openai/llm/v1/chat/plain')
  t.equal(r.status, 200)
  t.equal(r.headers['content-type'], 'text/event-stream')
  // kong/llm/plugin/shared-filters/normalize-sse-chunk.lua ERROR__NOT_SET
  t.equal(r.body, 'data: {"error": true, "message": "empty or unsupported transformer response"}\n\n')
})
