// Kong's ai-request-transformer specs (spec/03-plugins/39-ai-request-transformer/00-config_spec.lua
// and 02-integration_spec.lua) through a real gateway, a real echo upstream and a stand-in LLM that
// checks the key and the chat it is sent, and answers with Kong's fixtures.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { stringify } from 'yaml'
import { loadConfig } from '../../../src/config/load.js'
import { pluginGateway } from '../../helpers/plugin-gateway.js'
import { fixture } from './openai-standin.js'

const SYSTEM_PROMPT = 'You are a mathematician. Multiply all numbers in my JSON request, by 2.'
const REQUEST_BODY = JSON.stringify({
  persons: [
    { name: 'Kong A', age: 31 },
    { name: 'Kong B', age: 42 },
  ],
})
const PLUGIN_ID = '71083e79-4921-4f9f-97a4-ee7810b6cd8a'

// The LLM: OpenAI's chat API behind the paths of Kong's mock (02-integration_spec.lua:239).
const chats: any[] = []
const llm = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    const send = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type })
      res.end(body)
    }
    if (req.headers.authorization !== 'Bearer openai-key') return send(401, fixture('openai/llm-v1-chat/responses/unauthorized.json'))
    let chat: any
    try {
      chat = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      return send(400, fixture('openai/llm-v1-chat/responses/bad_request.json'))
    }
    chats.push(chat)
    if (req.method !== 'POST' || !Array.isArray(chat.messages) || typeof chat.model !== 'string')
      return send(400, fixture('openai/llm-v1-chat/responses/bad_request.json'))
    if (req.url === '/badrequest') return send(400, fixture('openai/llm-v1-chat/responses/bad_request.json'))
    if (req.url === '/internalservererror') return send(500, fixture('openai/llm-v1-chat/responses/internal_server_error.html'), 'text/html')
    if (req.url === '/flat') return send(200, fixture('openai/request-transformer/response-in-json.json'))
    send(404, '{}')
  })
})
await new Promise<void>((resolve) => llm.listen(0, '127.0.0.1', resolve))
const LLM = `http://127.0.0.1:${(llm.address() as AddressInfo).port}`
const dir = mkdtempSync(join(tmpdir(), 'ai-request-transformer-'))
t.teardown(async () => {
  llm.closeAllConnections()
  await new Promise<void>((resolve) => llm.close(() => resolve()))
  rmSync(dir, { recursive: true, force: true })
})
const LOG = join(dir, 'stats.log')

const openai = (path: string, extra: Record<string, unknown> = {}) => ({
  route_type: 'llm/v1/chat',
  logging: { log_payloads: false, log_statistics: true },
  model: {
    name: 'gpt-4',
    provider: 'openai',
    options: { max_tokens: 512, temperature: 0.5, upstream_url: `${LLM}${path}`, input_cost: 10.0, output_cost: 10.0 },
  },
  auth: { header_name: 'Authorization', header_value: 'Bearer openai-key' },
  ...extra,
})

const route = (path: string, config: Record<string, unknown>, id?: string, log?: string) => ({
  name: path.slice(1),
  paths: [path],
  plugins: [{ name: 'ai-request-transformer', ...(id ? { id } : {}), config }, ...(log ? [{ name: 'file-log', config: { path: log } }] : [])],
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
          route('/echo-flat', { prompt: SYSTEM_PROMPT, llm: openai('/flat') }, PLUGIN_ID, LOG),
          route('/echo-bad-request', { prompt: SYSTEM_PROMPT, llm: openai('/badrequest') }),
          route('/echo-internal-server-error', { prompt: SYSTEM_PROMPT, llm: openai('/internalservererror') }),
          route('/echo-extract', { prompt: SYSTEM_PROMPT, transformation_extract_pattern: '"persons":\\s*\\[[^\\]]*\\]', llm: openai('/flat') }),
          route('/echo-no-match', { prompt: SYSTEM_PROMPT, transformation_extract_pattern: 'nothing like this', llm: openai('/flat') }),
        ],
      },
    ],
  }),
)
const send = (path: string) => g.send(path, { method: 'GET', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: REQUEST_BODY })

t.test('transforms properly from LLM', async (t) => {
  // spec/03-plugins/39-ai-request-transformer/02-integration_spec.lua:388
  const r = await send('/echo-flat')
  t.equal(r.status, 200)
  t.same(JSON.parse(r.reached!.body), {
    persons: [
      { age: 62, name: 'Kong A' },
      { age: 84, name: 'Kong B' },
    ],
  })
  // The chat the LLM got: the prompt as the system message, the body as the user's.
  const chat = chats[chats.length - 1]
  t.same(chat.messages, [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: REQUEST_BODY },
  ])
  t.match(chat, { model: 'gpt-4', max_tokens: 512, temperature: 0.5, stream: false })
})

t.test('logs statistics - openai format', async (t) => {
  // spec/03-plugins/39-ai-request-transformer/02-integration_spec.lua:404
  t.equal((await send('/echo-flat')).status, 200)
  let line = ''
  for (let i = 0; i < 500 && line === ''; i++) {
    if (existsSync(LOG)) line = readFileSync(LOG, 'utf8').split('\n')[0]!.trim()
    if (line === '') await new Promise((r) => setTimeout(r, 10))
  }
  const log = JSON.parse(line)
  t.equal(log.client_ip, '127.0.0.1')
  const got = log.ai['ai-request-transformer']
  t.equal(got.usage.time_per_token, Math.floor(got.meta.llm_latency / got.usage.completion_tokens))
  got.meta.llm_latency = 1
  got.usage.time_per_token = 1
  // :63 _EXPECTED_CHAT_STATS
  t.same(log.ai, {
    'ai-request-transformer': {
      meta: { plugin_id: PLUGIN_ID, provider_name: 'openai', request_model: 'UNSPECIFIED', response_model: 'gpt-3.5-turbo-0613', llm_latency: 1 },
      usage: { prompt_tokens: 25, completion_tokens: 12, total_tokens: 37, time_per_token: 1, cost: 0.00037 },
      cache: {},
    },
  })
})

t.test('bad request from LLM', async (t) => {
  // spec/03-plugins/39-ai-request-transformer/02-integration_spec.lua:470
  const r = await send('/echo-bad-request')
  t.equal(r.status, 400)
  t.same(r.json(), { error: { message: 'failed to introspect request with AI service: status code 400' } })
  t.equal(r.reached, undefined, 'nothing proxied')
})

t.test('internal server error from LLM', async (t) => {
  // spec/03-plugins/39-ai-request-transformer/02-integration_spec.lua:502
  const r = await send('/echo-internal-server-error')
  t.equal(r.status, 400)
  t.same(r.json(), { error: { message: 'failed to introspect request with AI service: status code 500' } })
})

t.test('transformation_extract_pattern', async (t) => {
  // kong/llm/init.lua ai_introspect_body: the first match becomes the body; none is a failure
  const r = await send('/echo-extract')
  t.equal(r.status, 200)
  t.match(r.reached!.body, /^"persons": \[/)
  t.notOk(r.reached!.body.includes('{\n    "persons"'), 'only the match')
  const none = await send('/echo-no-match')
  t.equal(none.status, 400)
  t.same(none.json(), { error: { message: 'AI response did not match specified regular expression' } })
})

t.test('the schema', async (t) => {
  const issues = (config: Record<string, unknown>) => {
    const r = loadConfig(stringify({ _format_version: '3.0', plugins: [{ name: 'ai-request-transformer', config }] }), { file: 'k.yml' })
    return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`)
  }
  const llm = { route_type: 'llm/v1/chat', model: { name: 'gpt-4', provider: 'openai' } }
  // spec/03-plugins/39-ai-request-transformer/00-config_spec.lua:15, :53 and :87
  t.same(issues({ prompt: 'x', llm: { ...llm, route_type: 'llm/v1/completions' } }), [
    "plugins[0].config: 'config.llm.route_type' must be 'llm/v1/chat' for AI transformer plugins",
    'plugins[0].config.llm.route_type: value must be llm/v1/chat',
  ])
  t.same(issues({ prompt: 'x', llm: { route_type: 'llm/v1/chat', model: { name: 'llama', provider: 'llama2', options: { llama2_format: 'raw' } } } }), [
    // Kong reports a check of the llm record on the record (config.llm's @entity).
    "plugins[0].config.llm: must set 'model.options.upstream_url' for self-hosted providers/models",
  ])
  t.same(issues({ prompt: 'x', http_proxy_host: 'proxy.local', llm }), [
    "plugins[0].config: all or none of these fields must be set: 'config.http_proxy_host', 'config.http_proxy_port'",
  ])
  t.same(issues({ prompt: 'x', https_proxy_port: 8443, llm }), [
    "plugins[0].config: all or none of these fields must be set: 'config.https_proxy_host', 'config.https_proxy_port'",
  ])
  t.match(issues({ llm }).join('\n'), /prompt/)
  t.same(issues({ prompt: 'x', llm }), [])
  const r = loadConfig(
    stringify({ _format_version: '3.0', consumers: [{ username: 'c', plugins: [{ name: 'ai-request-transformer', config: { prompt: 'x', llm } }] }] }),
    {
      file: 'k.yml',
    },
  )
  t.notOk(r.ok, 'not on consumers')
})
