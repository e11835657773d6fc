// Kong's azure, mistral and llama2 integration specs (spec/03-plugins/38-ai-proxy/05-azure,
// 06-mistral, 07-llama2) through a real gateway and one stand-in per provider on loopback: each
// checks its API's credential, path and body, and answers with Kong's fixtures.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { stringify } from 'yaml'
import { fetchRaw, gateway } from '../../helpers/gateway.js'
import { fixture } from './openai-standin.js'
import { listenOnLoopback } from '../../helpers/listen.js'

interface Seen {
  path: string
  query: URLSearchParams
  headers: IncomingMessage['headers']
  json: any
}

/** A provider stand-in: `check` returns the status and fixture for a request it saw. */
async function standIn(check: (s: Seen) => [number, string]) {
  const seen: Seen[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x')
      let json: any
      try {
        json = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      } catch {
        json = undefined
      }
      const s = { path: u.pathname, query: u.searchParams, headers: req.headers, json }
      seen.push(s)
      const [status, body] = check(s)
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(body)
    })
  })
  const port = await listenOnLoopback(t, server)
  return { url: `http://127.0.0.1:${port}`, seen, last: () => seen[seen.length - 1]! }
}

// Azure OpenAI: the `api-key` header, an api-version, a deployment's chat/completions.
const azure = await standIn((s) => {
  if (s.headers['api-key'] !== 'azure-key') return [401, fixture('openai/llm-v1-chat/responses/unauthorized.json')]
  if (!s.query.get('api-version')) return [404, '{"error":{"code":"404","message":"Resource not found"}}']
  if (!Array.isArray(s.json?.messages)) return [400, fixture('openai/llm-v1-chat/responses/bad_request.json')]
  return [200, fixture('openai/llm-v1-chat/responses/good.json')]
})
// Mistral's OpenAI-compatible API: a Bearer key.
const mistralApi = await standIn((s) => {
  if (s.headers.authorization !== 'Bearer mistral-key') return [401, '{"message":"Unauthorized"}']
  if (!Array.isArray(s.json?.messages) || typeof s.json?.model !== 'string') return [400, '{"message":"bad request"}']
  return [200, fixture('mistral/llm-v1-chat/responses/good.json')]
})
// A Hugging Face text-generation endpoint serving Llama 2 (the `raw` format): `inputs` and `parameters`.
const llama = await standIn((s) => {
  if (s.headers.authorization !== 'Bearer llama2-key') return [401, fixture('llama2/raw/responses/unauthorized.json')]
  if (typeof s.json?.inputs !== 'string' || typeof s.json?.parameters !== 'object') return [400, fixture('llama2/raw/responses/bad_request.json')]
  return [200, fixture('llama2/raw/responses/good.json')]
})

const dir = mkdtempSync(join(tmpdir(), 'ai-proxy-providers-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const AZURE_LOG = join(dir, 'azure.log')

const azureModel = (extra: Record<string, unknown> = {}) => ({
  name: 'gpt-3.5-turbo',
  provider: 'azure',
  options: {
    max_tokens: 256,
    temperature: 1.0,
    upstream_url: `${azure.url}/llm/v1/chat/good`,
    azure_instance: '001-kong-t',
    azure_deployment_id: 'gpt-3.5-custom',
    ...extra,
  },
})
const routes: [string, Record<string, unknown>, string?][] = [
  [
    '/azure/llm/v1/chat/good',
    { route_type: 'llm/v1/chat', auth: { header_name: 'api-key', header_value: 'azure-key' }, model: azureModel(), logging: { log_statistics: true } },
    AZURE_LOG,
  ],
  ['/azure/llm/v1/chat/unauthorized', { route_type: 'llm/v1/chat', auth: { header_name: 'api-key', header_value: 'wrong-key' }, model: azureModel() }],
  [
    '/mistral/llm/v1/chat/good',
    {
      route_type: 'llm/v1/chat',
      auth: { header_name: 'Authorization', header_value: 'Bearer mistral-key' },
      model: {
        name: 'mistralai/Mistral-7B-Instruct-v0.1-instruct',
        provider: 'mistral',
        options: { max_tokens: 256, temperature: 1.0, mistral_format: 'openai', upstream_url: `${mistralApi.url}/v1/chat/completions` },
      },
    },
  ],
  ...(['chat', 'completions'] as const).map((op): [string, Record<string, unknown>] => [
    `/raw/llm/v1/${op}`,
    {
      route_type: `llm/v1/${op}`,
      auth: { header_name: 'Authorization', header_value: 'Bearer llama2-key' },
      model: {
        name: 'llama-2-7b-chat-hf',
        provider: 'llama2',
        options: { max_tokens: 256, temperature: 1.0, llama2_format: 'raw', upstream_url: `${llama.url}/raw/llm/v1/${op}` },
      },
    },
  ]),
]

const gw = await gateway(
  stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'empty',
        url: 'http://127.0.0.1:9',
        routes: routes.map(([path, config, log], i) => ({
          name: `r${i}`,
          paths: [path],
          plugins: [{ name: 'ai-proxy', config }, ...(log ? [{ name: 'file-log', config: { path: log } }] : [])],
        })),
      },
    ],
  }),
)
t.teardown(() => gw.close())

const send = (path: string, body: string, query = '') =>
  fetchRaw(`${gw.url}${path}${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
const CHAT = fixture('openai/llm-v1-chat/requests/good.json')

t.test('azure llm/v1/chat', async (t) => {
  // spec/03-plugins/38-ai-proxy/05-azure_integration_spec.lua:604
  const r = await send('/azure/llm/v1/chat/good', CHAT)
  t.equal(r.status, 200)
  const json = r.json<any>()
  t.equal(json.id, 'chatcmpl-8T6YwgvjQVVnGbJ2w8hpOA17SeNy2')
  t.equal(json.model, 'gpt-3.5-turbo-0613')
  t.equal(r.headers['x-kong-llm-model'], 'azure/gpt-3.5-turbo')
  t.equal(azure.last().query.get('api-version'), '2023-05-15', "the configured api-version (Kong's default)")
  t.equal(azure.last().json.model, 'gpt-3.5-turbo')
  // kong/llm/drivers/azure.lua pre_request: the Azure ids join the logged meta
  let line = ''
  for (let i = 0; i < 500 && line === ''; i++) {
    if (existsSync(AZURE_LOG)) line = readFileSync(AZURE_LOG, 'utf8').trim()
    if (line === '') await new Promise((r) => setTimeout(r, 10))
  }
  t.match(JSON.parse(line).ai.proxy.meta, {
    provider_name: 'azure',
    azure_instance_id: '001-kong-t',
    azure_deployment_id: 'gpt-3.5-custom',
    azure_api_version: '2023-05-15',
  })
})

t.test("azure keeps the client's api-version", async (t) => {
  // kong/llm/drivers/azure.lua configure_request: the client's api-version query argument first
  t.equal((await send('/azure/llm/v1/chat/good', CHAT, '?api-version=2024-02-01')).status, 200)
  t.same(azure.last().query.getAll('api-version'), ['2024-02-01'])
})

t.test('azure unauthorized request', async (t) => {
  // spec/03-plugins/38-ai-proxy/05-azure_integration_spec.lua:585
  const r = await send('/azure/llm/v1/chat/unauthorized', CHAT)
  t.equal(r.status, 401)
  t.equal(r.json<any>().error.code, 'invalid_api_key')
})

t.test('mistral llm/v1/chat, openai format', async (t) => {
  // spec/03-plugins/38-ai-proxy/06-mistral_integration_spec.lua (good request)
  const r = await send('/mistral/llm/v1/chat/good', CHAT)
  t.equal(r.status, 200)
  const json = r.json<any>()
  t.equal(json.object, 'chat.completion')
  t.equal(json.choices[0].message.role, 'assistant')
  t.equal(mistralApi.last().path, '/v1/chat/completions')
  t.equal(mistralApi.last().json.model, 'mistralai/Mistral-7B-Instruct-v0.1-instruct')
})

t.test('llama2 raw format', async (t) => {
  // spec/03-plugins/38-ai-proxy/07-llama2_integration_spec.lua:204
  const chat = await send('/raw/llm/v1/chat', CHAT)
  t.equal(chat.status, 200)
  t.equal(chat.json<any>().choices[0].message.content, 'Is a well known font.')
  t.equal(llama.last().json.inputs, '<s>[INST] <<SYS>> You are a helpful assistant. <</SYS>> What is 1 + 1? [/INST]')
  t.same(llama.last().json.parameters, { max_new_tokens: 256, temperature: 1, stream: false })
  // spec/03-plugins/38-ai-proxy/07-llama2_integration_spec.lua:219
  const completions = await send('/raw/llm/v1/completions', fixture('openai/llm-v1-completions/requests/good.json'))
  t.equal(completions.status, 200)
  t.equal(completions.json<any>().choices[0].text, 'Is a well known font.')
})
