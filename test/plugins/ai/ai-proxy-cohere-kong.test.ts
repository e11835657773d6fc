// Kong's cohere integration spec (spec/03-plugins/38-ai-proxy/04-cohere_integration_spec.lua)
// through a real gateway and a stand-in Cohere API on loopback. The stand-in checks what Cohere's
// API checks — the Bearer key, the operation's path (/v1/chat, /v1/generate), a `message` string
// and well-formed `chat_history` turns for chat, a `prompt` for generate — and answers with
// Kong's fixtures. The path's first segment picks the fixture, as Kong's mock locations do.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { fetchRaw, gateway } from '../../helpers/gateway.js'
import { fixture } from './openai-standin.js'
import { providerStandIn, type Seen } from './provider-standin.js'

const AUTH = 'Bearer cohere-key'
const chatFixture = (name: string) => fixture(`cohere/llm-v1-chat/responses/${name}`)
const generateFixture = (name: string) => fixture(`cohere/llm-v1-completions/responses/${name}`)

/** What Cohere's chat API refuses before answering. */
function chatProblem(s: Seen): string | undefined {
  const b = s.json
  if (typeof b !== 'object' || b === null) return 'invalid request: body must be JSON'
  if (typeof b.message !== 'string') return 'invalid request: message must be a string'
  if (b.chat_history !== undefined) {
    if (!Array.isArray(b.chat_history)) return 'invalid request: chat_history must be a list'
    for (const turn of b.chat_history)
      if (!['USER', 'CHATBOT', 'SYSTEM'].includes(turn?.role) || typeof turn?.message !== 'string') return 'invalid request: bad chat_history turn'
  }
  return undefined
}

const api = await providerStandIn(t, (s) => {
  const [, scenario, ...rest] = s.path.split('/')
  const op = `/${rest.join('/')}`
  if (scenario === 'internal_server_error') return { status: 500, body: chatFixture('internal_server_error.html'), type: 'text/html' }
  if (scenario === 'bad_request') return { status: 400, body: op === '/v1/generate' ? generateFixture('bad_request.json') : chatFixture('bad_request.json') }
  if (op !== '/v1/chat' && op !== '/v1/generate') return { status: 404, body: '{"message":"404 page not found"}' }
  if (s.headers.authorization !== AUTH)
    return { status: 401, body: op === '/v1/generate' ? generateFixture('unauthorized.json') : chatFixture('unauthorized.json') }
  if (op === '/v1/generate')
    return typeof s.json?.prompt === 'string' ? { status: 200, body: generateFixture('good.json') } : { status: 400, body: generateFixture('bad_request.json') }
  const problem = chatProblem(s)
  if (problem) return { status: 400, body: JSON.stringify({ message: problem }) }
  if (scenario === 'bad_upstream_response') return { status: 200, body: chatFixture('bad_upstream_response.json') }
  return scenario === 'good' ? { status: 200, body: chatFixture('good.json') } : { status: 404, body: '{}' }
})

const dir = mkdtempSync(join(tmpdir(), 'ai-proxy-cohere-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const LOG = join(dir, 'stats.log')

const config = (route: 'chat' | 'completions', scenario: string, extra: Record<string, unknown> = {}) => ({
  route_type: `llm/v1/${route}`,
  auth: { header_name: 'Authorization', header_value: AUTH },
  model: {
    name: 'command',
    provider: 'cohere',
    options: { max_tokens: 256, temperature: 1.0, upstream_url: `${api.url}/${scenario}${route === 'chat' ? '/v1/chat' : '/v1/generate'}` },
  },
  ...extra,
})

const routes: [string, Record<string, unknown>, string?][] = [
  [
    '/cohere/llm/v1/chat/good',
    config('chat', 'good', { auth: { header_name: 'Authorization', header_value: AUTH, allow_override: true }, logging: { log_statistics: true } }),
    LOG,
  ],
  ['/cohere/llm/v1/chat/good-no-allow-override', config('chat', 'good', { auth: { header_name: 'Authorization', header_value: AUTH, allow_override: false } })],
  ['/cohere/llm/v1/chat/bad_upstream_response', config('chat', 'bad_upstream_response')],
  ['/cohere/llm/v1/completions/good', config('completions', 'good')],
  ['/cohere/llm/v1/chat/unauthorized', config('chat', 'good', { auth: { header_name: 'Authorization', header_value: 'Bearer wrong-key' } })],
  ['/cohere/llm/v1/chat/bad_request', config('chat', 'bad_request')],
  ['/cohere/llm/v1/completions/bad_request', config('completions', 'bad_request')],
  ['/cohere/llm/v1/chat/internal_server_error', config('chat', 'internal_server_error')],
]

const gw = await gateway(
  stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'empty_service',
        url: 'http://127.0.0.1:9',
        routes: routes.map(([path, cfg, log], i) => ({
          name: `r${i}`,
          paths: [path],
          plugins: [{ name: 'ai-proxy', config: cfg }, ...(log ? [{ name: 'file-log', config: { path: log } }] : [])],
        })),
      },
    ],
  }),
)
t.teardown(() => gw.close())

const send = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetchRaw(`${gw.url}${path}`, { method: 'GET', headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, body })
const CHAT = fixture('cohere/llm-v1-chat/requests/good.json')
const ANSWER = { content: 'The sum of 1 + 1 is 2.', role: 'assistant' }

function good(t: Test, r: Awaited<ReturnType<typeof send>>) {
  t.equal(r.status, 200)
  const json = r.json<any>()
  t.equal(json.model, 'command')
  t.equal(json.object, 'chat.completion')
  t.equal(r.headers['x-kong-llm-model'], 'cohere/command')
  t.same(json.choices[0].message, ANSWER)
}

t.test('cohere general', async (t) => {
  t.test('internal_server_error request', async (t) => {
    // spec/03-plugins/38-ai-proxy/04-cohere_integration_spec.lua:402
    const r = await send('/cohere/llm/v1/chat/internal_server_error', CHAT)
    t.equal(r.status, 500)
    t.match(r.body, /<html>/, "the provider's page passes through untranslated")
  })
  t.test('unauthorized request', async (t) => {
    // spec/03-plugins/38-ai-proxy/04-cohere_integration_spec.lua:415
    const r = await send('/cohere/llm/v1/chat/unauthorized', CHAT)
    t.equal(r.status, 401)
    t.equal(r.json<any>().message, 'invalid api token')
  })
})

t.test('cohere llm/v1/chat', async (t) => {
  t.test('good request', async (t) => {
    // spec/03-plugins/38-ai-proxy/04-cohere_integration_spec.lua:433
    const r = await send('/cohere/llm/v1/chat/good', CHAT)
    good(t, r)
    const json = r.json<any>()
    // kong/llm/drivers/cohere.lua from_format: the generation id, and the billed units as usage
    t.equal(json.id, '3fa85f64-5717-4562-b3fc-2c963f66afa6')
    t.equal(json.choices[0].finish_reason, 'stop')
    t.same(json.usage, { completion_tokens: 258, prompt_tokens: 81, total_tokens: 339 })
    // kong/llm/drivers/cohere.lua to_format: what went upstream
    const seen = api.last()
    t.equal(seen.path, '/good/v1/chat')
    t.equal(seen.headers.authorization, AUTH)
    t.same(seen.json, {
      chat_history: [{ role: 'USER', message: 'You are a helpful assistant.' }],
      message: 'What is 1 + 1?',
      max_tokens: 256,
      temperature: 1,
      model: 'command',
      stream: false,
    })
    // Cohere counts tokens itself: the logged usage is its billed units, not a word-count estimate.
    let line = ''
    for (let i = 0; i < 500 && line === ''; i++) {
      if (existsSync(LOG)) line = readFileSync(LOG, 'utf8').trim()
      if (line === '') await new Promise((r) => setTimeout(r, 10))
    }
    const usage = JSON.parse(line.split('\n')[0]!).ai.proxy.usage
    t.equal(usage.prompt_tokens, 81)
    t.equal(usage.completion_tokens, 258)
    t.equal(usage.total_tokens, 339)
  })
  t.test('good request with right client auth', async (t) => {
    // spec/03-plugins/38-ai-proxy/04-cohere_integration_spec.lua:458
    good(t, await send('/cohere/llm/v1/chat/good', CHAT, { authorization: AUTH }))
  })
  t.test('good request with wrong client auth', async (t) => {
    // spec/03-plugins/38-ai-proxy/04-cohere_integration_spec.lua:484
    const r = await send('/cohere/llm/v1/chat/good', CHAT, { authorization: 'Bearer wrong' })
    t.equal(r.status, 401)
    t.equal(r.json<any>().message, 'invalid api token')
  })
  t.test('good request with right client auth and no allow_override', async (t) => {
    // spec/03-plugins/38-ai-proxy/04-cohere_integration_spec.lua:502
    good(t, await send('/cohere/llm/v1/chat/good-no-allow-override', CHAT, { authorization: AUTH }))
  })
  t.test('good request with wrong client auth and no allow_override', async (t) => {
    // spec/03-plugins/38-ai-proxy/04-cohere_integration_spec.lua:528
    good(t, await send('/cohere/llm/v1/chat/good-no-allow-override', CHAT, { authorization: 'Bearer wrong' }))
  })
  t.test('bad upstream response', async (t) => {
    // spec/03-plugins/38-ai-proxy/04-cohere_integration_spec.lua:554
    const r = await send('/cohere/llm/v1/chat/bad_upstream_response', CHAT)
    t.equal(r.status, 500)
    t.equal(r.json<any>().error.message, "transformation failed from type cohere://llm/v1/chat: 'text' or 'generations' missing from cohere response body")
  })
  t.test('bad request', async (t) => {
    // spec/03-plugins/38-ai-proxy/04-cohere_integration_spec.lua:569
    const r = await send('/cohere/llm/v1/chat/bad_request', fixture('cohere/llm-v1-chat/requests/bad_request.json'))
    t.equal(r.status, 400)
    t.equal(r.json<any>().error.message, "request body doesn't contain valid prompts")
  })
})

t.test('cohere llm/v1/completions', async (t) => {
  t.test('good request', async (t) => {
    // spec/03-plugins/38-ai-proxy/04-cohere_integration_spec.lua:587
    const r = await send('/cohere/llm/v1/completions/good', fixture('cohere/llm-v1-completions/requests/good.json'))
    t.equal(r.status, 200)
    const json = r.json<any>()
    t.equal(json.model, 'command')
    t.equal(json.object, 'text_completion')
    t.equal(json.choices[0].text, '1 + 1 is 2.')
    const seen = api.last()
    t.equal(seen.path, '/good/v1/generate')
    t.same(seen.json, { prompt: 'What are you?', max_tokens: 256, temperature: 1, model: 'command', stream: false })
  })
  t.test('bad request', async (t) => {
    // spec/03-plugins/38-ai-proxy/04-cohere_integration_spec.lua:608
    const r = await send('/cohere/llm/v1/completions/bad_request', fixture('cohere/llm-v1-completions/requests/bad_request.json'))
    t.equal(r.status, 400)
    t.equal(r.json<any>().error.message, "request body doesn't contain valid prompts")
  })
})
