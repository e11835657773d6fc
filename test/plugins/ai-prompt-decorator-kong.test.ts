// Kong's ai-prompt-decorator spec (spec/03-plugins/41-ai-prompt-decorator/*) through a real
// gateway and a real echo upstream: the upstream must receive the chat with the configured
// messages around the client's, and bodies that are no chat must be refused before it.
import t from 'tap'
import { stringify } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const NAME = 'ai-prompt-decorator'

// spec/03-plugins/41-ai-prompt-decorator/02-integration_spec.lua:8
const openaiFlatChat = {
  messages: [
    { role: 'user', content: 'I think that cheddar is the best cheese.' },
    { role: 'assistant', content: 'No, brie is the best cheese.' },
    { role: 'user', content: 'Why brie?' },
  ],
}

const yml = (routes: Record<string, Record<string, unknown>>) =>
  stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'echo',
        url: '$UPSTREAM',
        routes: Object.entries(routes).map(([path, config]) => ({ name: path, paths: [`/${path}`], plugins: [{ name: NAME, config }] })),
      },
    ],
  })

const problems = (config: Record<string, unknown>) => {
  const r = loadConfig(stringify({ _format_version: '3.0', plugins: [{ name: NAME, config }] }), { file: 'k.yml' })
  return r.ok ? [] : r.issues.map((i) => `${i.path.replace('plugins[0].', '')} ${i.message}`)
}

const AT_LEAST_ONE = "config at least one of these fields must be non-empty: 'config.prompts.prepend', 'config.prompts.append'"

t.test('schema', async (t) => {
  // spec/03-plugins/41-ai-prompt-decorator/00-config_spec.lua:15
  t.same(problems({}), [AT_LEAST_ONE], "won't allow empty config object")
  // :26
  t.same(problems({ prompts: {} }), [AT_LEAST_ONE], "won't allow both head and tail to be unset")
  // :38
  t.same(problems({ prompts: { prepend: [], append: [] } }), [AT_LEAST_ONE], "won't allow both to be empty arrays")
  // :53
  t.same(problems({ prompts: { prepend: [{ role: 'system', content: 'Prepend text 1 here.' }], append: [] } }), [], 'allows prepend only')
  // :72
  t.same(problems({ prompts: { prepend: [], append: [{ role: 'system', content: 'Prepend text 1 here.' }] } }), [], 'allows append only')

  // schema.lua: role one_of with default "system", content 1..500, at most 15 of each, max_request_body_size > 0.
  const r = loadConfig(stringify({ _format_version: '3.0', plugins: [{ name: NAME, config: { prompts: { append: [{ content: 'x' }] } } }] }), { file: 'k.yml' })
  t.ok(r.ok)
  t.same(
    r.ok && r.config.plugins[0]?.config,
    { prompts: { append: [{ role: 'system', content: 'x' }] }, max_request_body_size: 8192, llm_format: 'openai' },
    "Kong's defaults: role system, 8 KiB, openai",
  )
  t.same(
    problems({ prompts: { prepend: [{ role: 'bot', content: '' }] } }),
    ['config.prompts.prepend[0].role expected one of: system, assistant, user', 'config.prompts.prepend[0].content length must be at least 1'],
    'role and content checks',
  )
  t.same(problems({ prompts: { prepend: [{ content: 'x'.repeat(501) }] } }), ['config.prompts.prepend[0].content length must be at most 500'])
  t.same(problems({ prompts: { append: Array.from({ length: 16 }, () => ({ content: 'x' })) } }), ['config.prompts.append length must be at most 15'])
  t.same(problems({ prompts: { append: Array.from({ length: 15 }, () => ({ content: 'x' })) } }), [], '15 is allowed')
  t.same(problems({ prompts: { append: [{ content: 'x' }] }, max_request_body_size: 0 }), ['config.max_request_body_size value must be greater than 0'])
  t.same(problems({ prompts: { append: [{ content: 'x' }] }, llm_format: 'anthropic' }), ['config.llm_format expected one of: openai, bedrock, gemini'])
  // Kong's schema has no consumer restriction (unlike most plugins).
  const onConsumer = loadConfig(
    stringify({ _format_version: '3.0', consumers: [{ username: 'a', plugins: [{ name: NAME, config: { prompts: { append: [{ content: 'x' }] } } }] }] }),
    { file: 'k.yml' },
  )
  t.ok(onConsumer.ok, 'allowed on a consumer')
})

t.test("Kong's integration spec", async (t) => {
  const g = await pluginGateway(
    t,
    yml({
      // spec/03-plugins/41-ai-prompt-decorator/02-integration_spec.lua:40
      prepend: {
        prompts: {
          prepend: [
            { role: 'system', content: 'Prepend text 1 here.' },
            { role: 'system', content: 'Prepend text 2 here.' },
          ],
        },
      },
      // :72
      append: {
        prompts: {
          append: [
            { role: 'assistant', content: 'Append text 1 here.' },
            { role: 'user', content: 'Append text 2 here.' },
          ],
        },
      },
      // :104
      both: {
        prompts: {
          prepend: [
            { role: 'system', content: 'Prepend text 1 here.' },
            { role: 'assistant', content: 'Prepend text 2 here.' },
          ],
          append: [
            { role: 'assistant', content: 'Append text 3 here.' },
            { role: 'user', content: 'Append text 4 here.' },
          ],
        },
      },
    }),
  )
  const send = (path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    g.send(path, { method: 'POST', headers, body })
  const sent = (r: { reached: { body: string } | undefined }) => JSON.parse(r.reached?.body ?? 'null') as { messages: unknown[] }

  t.test('modifies the LLM chat request - prepend', async (t) => {
    // spec/03-plugins/41-ai-prompt-decorator/02-integration_spec.lua:163
    const r = await send('/prepend', JSON.stringify(openaiFlatChat))
    t.equal(r.status, 200)
    const request = sent(r)
    t.same(request.messages[0], { content: 'Prepend text 1 here.', role: 'system' })
    t.same(request.messages[1], { content: 'Prepend text 2 here.', role: 'system' })
    t.same(request.messages.slice(2), openaiFlatChat.messages, "the client's messages follow, unchanged")
    t.equal(r.reached?.headers['content-type'], 'application/json', 'sent as JSON')
    t.equal(Number(r.reached?.headers['content-length']), Buffer.byteLength(r.reached?.body ?? ''), 'with its new length')
  })

  t.test('modifies the LLM chat request - append', async (t) => {
    // :189
    const r = await send('/append', JSON.stringify(openaiFlatChat))
    t.equal(r.status, 200)
    const request = sent(r)
    t.same(request.messages.at(-2), { content: 'Append text 1 here.', role: 'assistant' })
    t.same(request.messages.at(-1), { content: 'Append text 2 here.', role: 'user' })
    t.same(request.messages.slice(0, 3), openaiFlatChat.messages)
  })

  t.test('modifies the LLM chat request - both', async (t) => {
    // :216
    const r = await send('/both', JSON.stringify(openaiFlatChat))
    t.equal(r.status, 200)
    const request = sent(r)
    t.same(request.messages[0], { content: 'Prepend text 1 here.', role: 'system' })
    t.same(request.messages[1], { content: 'Prepend text 2 here.', role: 'assistant' })
    t.same(request.messages.at(-2), { content: 'Append text 3 here.', role: 'assistant' })
    t.same(request.messages.at(-1), { content: 'Append text 4 here.', role: 'user' })
    t.equal(request.messages.length, 7)
  })

  t.test('other fields of the request go upstream as they came', async (t) => {
    // decorate-prompt.lua: only `messages` is rebuilt; the rest of the table is kept.
    const r = await send('/both', JSON.stringify({ model: 'gpt-4o', temperature: 0.5, stream: false, ...openaiFlatChat }))
    const request = JSON.parse(r.reached?.body ?? '{}') as Record<string, unknown>
    t.equal(request.model, 'gpt-4o')
    t.equal(request.temperature, 0.5)
    t.equal(request.stream, false)
  })

  t.test('a request that is no chat is refused before the upstream', async (t) => {
    // decorate-prompt.lua: no messages (or none to iterate) is a 400 with Kong's error table.
    const chatOnly = { error: { message: 'this LLM route only supports llm/chat type requests' } }
    for (const [what, body, headers] of [
      ['a completions prompt', JSON.stringify({ prompt: 'hi' }), undefined],
      ['empty messages', JSON.stringify({ messages: [] }), undefined],
      ['invalid JSON', '{"messages": [', undefined],
      ['a JSON array', JSON.stringify([{ role: 'user', content: 'x' }]), undefined],
      ['text/plain', JSON.stringify(openaiFlatChat), { 'content-type': 'text/plain' }],
    ] as const) {
      const r = await send('/prepend', body, headers)
      t.equal(r.status, 400, what)
      t.same(JSON.parse(r.body), chatOnly, `${what}: Kong's message`)
      t.match(r.headers['content-type'], /^application\/json/)
      t.equal(r.reached, undefined, `${what}: the upstream never sees it`)
    }
  })

  t.test('without a Content-Type the body is read as JSON', async (t) => {
    // parse-request.lua: the Content-Type defaults to application/json.
    const r = await g.send('/prepend', { method: 'POST', body: JSON.stringify(openaiFlatChat) })
    t.equal(r.status, 200)
    t.equal(sent(r).messages.length, 5)
  })

  t.test('messages that Lua cannot iterate are an unexpected error', async (t) => {
    // decorate-prompt.lua: #messages of a non-empty string passes, then ipairs() raises; of null, # raises.
    for (const messages of ['hello', null, 5]) {
      const r = await send('/prepend', JSON.stringify({ messages }))
      t.equal(r.status, 500, JSON.stringify(messages))
      t.equal(JSON.parse(r.body).message, 'An unexpected error occurred')
      t.equal(r.reached, undefined)
    }
  })
})

t.test('max_request_body_size: a body past it and past the 8 KiB buffer is not read', async (t) => {
  // parse-request.lua reads with kong.request.get_body(ct, nil, max_request_body_size):
  // a body in nginx's 8k buffer is always read; one spooled to a file only up to the maximum.
  const g = await pluginGateway(
    t,
    yml({
      small: { prompts: { prepend: [{ content: 'first' }] } },
      large: { prompts: { prepend: [{ content: 'first' }] }, max_request_body_size: 64 * 1024 },
    }),
  )
  const long = JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(20_000) }] })
  const refused = await g.send('/small', { method: 'POST', headers: { 'content-type': 'application/json' }, body: long })
  t.equal(refused.status, 400, '20 kB past the default 8 KiB: not read, so no chat')
  t.equal(refused.reached, undefined)
  const read = await g.send('/large', { method: 'POST', headers: { 'content-type': 'application/json' }, body: long })
  t.equal(read.status, 200, 'within 64 KiB: decorated')
  t.equal((JSON.parse(read.reached?.body ?? '{}') as { messages: { content: string }[] }).messages[0]?.content, 'first')
})
