// Kong's ai-response-transformer spec (spec/03-plugins/40-ai-response-transformer/02-integration_spec.lua)
// through a real gateway, a real echo upstream and a stand-in LLM that checks the key and the chat
// it is sent, and answers with Kong's fixtures.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { stringify } from 'yaml'
import { pluginGateway } from '../../helpers/plugin-gateway.js'
import { fixture } from './openai-standin.js'

const SYSTEM_PROMPT =
  'You are a mathematician. Multiply all numbers in my JSON request, by 2. Return me this message: ' +
  '{"status": 400, "headers: {"content-type": "application/xml"}, "body": "OUTPUT"} ' +
  "where 'OUTPUT' is the result but transformed into XML format."
const REQUEST_BODY = JSON.stringify({
  persons: [
    { name: 'Kong A', age: 31 },
    { name: 'Kong B', age: 42 },
  ],
})
const XML = `<persons>
  <person>
    <name>Kong A</name>
    <age>62</age>
  </person>
  <person>
    <name>Kong B</name>
    <age>84</age>
  </person>
</persons>`

const chats: any[] = []
const ANSWERS: Record<string, string> = {
  '/instructions': 'openai/request-transformer/response-with-instructions.json',
  '/flat': 'openai/request-transformer/response-in-json.json',
  '/badinstructions': 'openai/request-transformer/response-with-bad-instructions.json',
}
const llm = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    const send = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(body)
    }
    if (req.headers.authorization !== 'Bearer openai-key') return send(401, fixture('openai/llm-v1-chat/responses/unauthorized.json'))
    const chat = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    chats.push(chat)
    if (!Array.isArray(chat.messages) || typeof chat.model !== 'string' || req.url === '/badrequest')
      return send(400, fixture('openai/llm-v1-chat/responses/bad_request.json'))
    const answer = ANSWERS[req.url ?? '']
    return answer ? send(200, fixture(answer)) : send(404, '{}')
  })
})
await new Promise<void>((resolve) => llm.listen(0, '127.0.0.1', resolve))
const LLM = `http://127.0.0.1:${(llm.address() as AddressInfo).port}`
t.teardown(async () => {
  llm.closeAllConnections()
  await new Promise<void>((resolve) => llm.close(() => resolve()))
})

const openai = (path: string) => ({
  route_type: 'llm/v1/chat',
  model: { name: 'gpt-4', provider: 'openai', options: { max_tokens: 512, temperature: 0.5, upstream_url: `${LLM}${path}` } },
  auth: { header_name: 'Authorization', header_value: 'Bearer openai-key' },
})
const route = (path: string, config: Record<string, unknown>) => ({
  name: path.slice(1),
  paths: [path],
  plugins: [{ name: 'ai-response-transformer', config }],
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
          route('/echo-parse-instructions', { prompt: SYSTEM_PROMPT, parse_llm_response_json_instructions: true, llm: openai('/instructions') }),
          route('/echo-flat', { prompt: SYSTEM_PROMPT, parse_llm_response_json_instructions: false, llm: openai('/flat') }),
          route('/echo-bad-instructions', { prompt: SYSTEM_PROMPT, parse_llm_response_json_instructions: true, llm: openai('/badinstructions') }),
          route('/echo-bad-instructions-parse-out', {
            prompt: SYSTEM_PROMPT,
            parse_llm_response_json_instructions: true,
            transformation_extract_pattern: '\\{((.|\n)*)\\}',
            llm: openai('/badinstructions'),
          }),
          route('/echo-bad-request', { prompt: SYSTEM_PROMPT, llm: openai('/badrequest') }),
        ],
      },
    ],
  }),
)
const send = (path: string) => g.send(path, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: REQUEST_BODY })

t.test('transforms request based on LLM instructions, with response transformation instructions format', async (t) => {
  // spec/03-plugins/40-ai-response-transformer/02-integration_spec.lua:433
  const r = await send('/echo-parse-instructions')
  t.equal(r.status, 209)
  t.equal(r.body, XML)
  t.equal(r.headers['content-type'], 'application/xml')
  // The LLM got the upstream's answer (the echo of the request) as the user's message.
  const chat = chats[chats.length - 1]
  t.equal(chat.messages[0].content, SYSTEM_PROMPT)
  t.equal(JSON.parse(chat.messages[1].content).body, REQUEST_BODY)
  t.ok(r.reached, 'the upstream was called')
})

t.test('transforms request based on LLM instructions, without response instructions', async (t) => {
  // spec/03-plugins/40-ai-response-transformer/02-integration_spec.lua:447
  const r = await send('/echo-flat')
  t.equal(r.status, 200)
  t.same(JSON.parse(r.body), {
    persons: [
      { name: 'Kong A', age: 62 },
      { name: 'Kong B', age: 84 },
    ],
  })
})

t.test('fails properly when json instructions are bad', async (t) => {
  // spec/03-plugins/40-ai-response-transformer/02-integration_spec.lua:495 (Kong's message has cjson's
  // reason after the prefix; ours has JSON.parse's)
  const r = await send('/echo-bad-instructions')
  t.equal(r.status, 500)
  t.match(r.json<any>().error.message, /^failed to parse JSON response instructions from AI backend: /)
})

t.test('succeeds extracting json instructions when bad', async (t) => {
  // spec/03-plugins/40-ai-response-transformer/02-integration_spec.lua:510
  const r = await send('/echo-bad-instructions-parse-out')
  t.equal(r.status, 209)
  t.equal(r.body, XML)
  t.equal(r.headers['content-type'], 'application/xml')
})

t.test('bad request from LLM', async (t) => {
  // spec/03-plugins/40-ai-response-transformer/02-integration_spec.lua:524
  const r = await send('/echo-bad-request')
  t.equal(r.status, 400)
  t.same(r.json(), { error: { message: 'failed to introspect request with AI service: status code 400' } })
})
