// Kong's gemini driver unit cases (spec/03-plugins/38-ai-proxy/01-unit_spec.lua): the OpenAI request
// and answer fixtures through the driver, its multi-modal parts and tools, the JSON-array framing of
// Gemini's stream (streaming-chunk-formats) and the stream's translation into OpenAI chunks.
import t from 'tap'
import { DRIVERS } from '../../../src/plugins/shared/ai/drivers/index.js'
import { geminiPart, toGeminiChat, toTools } from '../../../src/plugins/shared/ai/drivers/gemini-request.js'
import type { StreamEvent } from '../../../src/plugins/shared/ai/drivers/types.js'
import type { AiModel } from '../../../src/plugins/shared/ai/schema.js'
import { framerFor } from '../../../src/plugins/shared/ai/stream-frames.js'
import { fixture } from './openai-standin.js'

const gemini = DRIVERS.gemini!
const json = (path: string): any => JSON.parse(fixture(path))
const same = (v: unknown) => JSON.parse(JSON.stringify(v))
const model = (options: Record<string, unknown> = {}, name = 'gemini-pro'): AiModel =>
  ({ name, provider: 'gemini', options: { azure_api_version: '2023-05-15', ...options } }) as AiModel

// spec/03-plugins/38-ai-proxy/01-unit_spec.lua:394 FORMATS.gemini
const FORMAT = model({ max_tokens: 8192, temperature: 0.8, top_k: 1, top_p: 0.6 })

t.test('gemini llm/v1/chat format', async (t) => {
  // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:684
  const out = gemini.toFormat(json('unit/requests/llm-v1-chat.json'), FORMAT, 'llm/v1/chat')
  if (!('ok' in out)) return t.fail(out.error)
  t.same(same(out.ok), json('unit/expected-requests/gemini/llm-v1-chat.json'), 'converts to provider request format correctly')
  // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:722
  const back = gemini.fromFormat(fixture('unit/real-responses/gemini/llm-v1-chat.json'), FORMAT, 'llm/v1/chat')
  if (!('ok' in back)) return t.fail(back.error)
  const got = JSON.parse(back.ok)
  const expected = json('unit/expected-responses/gemini/llm-v1-chat.json')
  t.same(got.choices[0].message, expected.choices[0].message, 'converts from provider response format correctly')
  t.equal(got.model, expected.model)
  // Not in Kong's spec: the rest of its expected answer, and Gemini's counts as usage.
  t.same(got.choices[0], expected.choices[0], 'finish reason lower-cased')
  t.equal(got.object, 'chat.completion')
  t.same(got.usage, { prompt_tokens: 14, completion_tokens: 128, total_tokens: 142 })
})

t.test('completions are not translated, as in Kong', async (t) => {
  // kong/llm/drivers/gemini.lua transformers_to has llm/v1/chat alone
  t.same(gemini.toFormat({ prompt: 'hi' }, FORMAT, 'llm/v1/completions'), { error: 'no transformer for gemini://llm/v1/completions' })
})

t.test('gemini multimodal', async (t) => {
  // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:1051
  t.same(geminiPart({ type: 'text', text: 'What is in this picture?' }), { text: 'What is in this picture?' })
  // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:1067
  t.throws(() => geminiPart({ type: 'text', bad_text_field: 'What is in this picture?' }), {
    message: "message part type is 'text' but is missing .text block",
  })
  // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:1080
  t.same(geminiPart({ type: 'image_url', image_url: { url: 'https://example.local/image.jpg' } }), {
    fileData: { fileUri: 'https://example.local/image.jpg', mimeType: 'image/generic' },
  })
  // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:1101
  t.throws(() => geminiPart({ type: 'image_url', image_url: 'https://example.local/image.jpg' }), {
    message: "message part type is 'image_url' but is missing .image_url.url block",
  })
  // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:1114
  t.throws(() => geminiPart({ type: 'doesnt_exist', doesnt_exist: 'https://example.local/video.mp4' }), {
    message: "cannot transform part of type 'doesnt_exist' to Gemini format",
  })
  // Through to_format, a refused part is Kong's error message.
  t.same(gemini.toFormat({ messages: [{ role: 'user', content: [{ type: 'video' }] }] }, FORMAT, 'llm/v1/chat'), {
    error: "error transforming to gemini://llm/v1/chat: cannot transform part of type 'video' to Gemini format",
  })
  t.same(gemini.toFormat({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:x' } }] }] }, FORMAT, 'llm/v1/chat'), {
    error: 'error transforming to gemini://llm/v1/chat: could not decode OpenAI image-part, image URL is less than 10 bytes, which is not parsable',
  })

  const chat = (image: string) => ({
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this picture?' },
          { type: 'image_url', image_url: { url: image } },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'A picture of a cat.' }] },
      { role: 'user', content: [{ type: 'text', text: 'Now draw it wearing a party-hat.' }] },
    ],
  })
  const rest = [
    { role: 'model', parts: [{ text: 'A picture of a cat.' }] },
    { role: 'user', parts: [{ text: 'Now draw it wearing a party-hat.' }] },
  ]
  // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:1127
  const byUrl = toGeminiChat(chat('https://example.local/image.jpg'), FORMAT)
  delete byUrl.generationConfig
  t.same(same(byUrl), {
    contents: [
      { role: 'user', parts: [{ text: 'What is in this picture?' }, { fileData: { fileUri: 'https://example.local/image.jpg', mimeType: 'image/generic' } }] },
      ...rest,
    ],
  })
  // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:1171
  const b64 = toGeminiChat(chat('data:image/png;base64,Y2F0X3BuZ19oZXJlX2xvbAo='), FORMAT)
  delete b64.generationConfig
  t.same(same(b64), {
    contents: [
      { role: 'user', parts: [{ text: 'What is in this picture?' }, { inlineData: { data: 'Y2F0X3BuZ19oZXJlX2xvbAo=', mimeType: 'image/png' } }] },
      ...rest,
    ],
  })
})

// spec/03-plugins/38-ai-proxy/01-unit_spec.lua:143 SAMPLE_OPENAI_TOOLS_REQUEST
const TOOLS = [
  {
    function: {
      parameters: { type: 'object', properties: { product_name: { type: 'string' } }, required: ['product_name'] },
      name: 'check_stock',
      description: 'Check a product is in stock.',
    },
    type: 'function',
  },
]

t.test('gemini tools', async (t) => {
  // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:1231
  t.same(toTools(TOOLS), [
    {
      function_declarations: [
        {
          description: 'Check a product is in stock.',
          name: 'check_stock',
          parameters: { properties: { product_name: { type: 'string' } }, required: ['product_name'], type: 'object' },
        },
      ],
    },
  ])
  // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:1258 (a chat is not a list of tools), :1264
  t.equal(toTools({ messages: [] }), undefined)
  t.equal(toTools(undefined), undefined)
  // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:1270 (SAMPLE_GEMINI_TOOLS_RESPONSE at :177)
  const answer = {
    candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'sql_execute', args: { product_name: 'NewPhone' } } }] }, finishReason: 'STOP' }],
  }
  const out = gemini.fromFormat(JSON.stringify(answer), model(), 'llm/v1/chat')
  if (!('ok' in out)) return t.fail(out.error)
  t.same(JSON.parse(out.ok).choices[0].message.tool_calls[0].function, { name: 'sql_execute', arguments: '{"product_name":"NewPhone"}' })

  // kong/llm/drivers/gemini.lua: tool calls and results in the chat history become function turns.
  const sent = gemini.toFormat(
    {
      messages: [
        { role: 'user', content: 'Is the NewPhone in stock?' },
        { role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'check_stock', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'yes' },
      ],
      tools: TOOLS,
      tool_config: { function_calling_config: { mode: 'ANY' } },
    },
    model(),
    'llm/v1/chat',
  )
  if (!('ok' in sent)) return t.fail(sent.error)
  t.same(same(sent.ok.contents), [
    { role: 'user', parts: [{ text: 'Is the NewPhone in stock?' }] },
    { role: 'function', parts: [{ function_call: { name: 'check_stock' } }] },
    { role: 'function', parts: [{ function_response: { response: { content: ['yes'] }, name: 'get_product_info' } }] },
  ])
  t.same(sent.ok.tool_config, { function_calling_config: { mode: 'ANY' } }, 'tool_config passes as it came')
  t.equal((sent.ok.tools as any)[0].function_declarations[0].name, 'check_stock')
})

t.test('system prompts and options', async (t) => {
  // kong/llm/drivers/gemini.lua: every system prompt joins one instruction; gemini-1.0 has none.
  const b = () => ({
    messages: [
      { role: 'system', content: 'One. ' },
      { role: 'user', content: 'hi' },
      { role: 'system', content: 'Two.' },
    ],
    max_tokens: 10,
    stop: ['x'],
    temperature: 0.1,
    top_p: 0.3,
  })
  const out = gemini.toFormat(b(), model({ temperature: 0.9 }), 'llm/v1/chat')
  if (!('ok' in out)) return t.fail(out.error)
  t.same(same(out.ok), {
    contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
    systemInstruction: { parts: [{ text: 'One. Two.' }] },
    generationConfig: { maxOutputTokens: 10, stopSequences: ['x'], temperature: 0.9, topP: 0.3 },
  })
  t.same(gemini.toFormat(b(), model({}, 'gemini-1.0-pro'), 'llm/v1/chat'), {
    error: "error transforming to gemini://llm/v1/chat: system prompts aren't supported on gemini-1.0 models",
  })
  t.same(
    gemini.toFormat({ messages: [{ role: 'tool', content: 'x' }] }, model(), 'llm/v1/chat'),
    {
      error: 'error transforming to gemini://llm/v1/chat: nil',
    },
    'a tool result before any turn fails as Lua does',
  )
})

t.test('answers', async (t) => {
  const m = model({}, 'gemini-1.5-pro')
  // spec/fixtures/ai-proxy/gemini/llm-v1-chat/responses/fails_safety.json: ai-proxy passes a safety block on with no choice.
  const blocked = gemini.fromFormat(fixture('gemini/llm-v1-chat/responses/fails_safety.json'), m, 'llm/v1/chat')
  t.same(blocked, { ok: JSON.stringify({ choices: {}, model: 'gemini-1.5-pro', usage: { prompt_tokens: 319, total_tokens: 319 } }) })
  // ... and the transformers refuse it (spec/03-plugins/39-ai-request-transformer/02-integration_spec.lua:499)
  t.same(gemini.fromFormat(fixture('gemini/llm-v1-chat/responses/fails_safety.json'), m, 'llm/v1/chat', { transformer: true }), {
    error: 'transformation failed from type gemini://llm/v1/chat: transformation generation candidate breached Gemini content safety',
  })
  t.same(gemini.fromFormat('{"candidates":[]}', m, 'llm/v1/chat'), {
    error: 'transformation failed from type gemini://llm/v1/chat: no generation candidates received from Gemini, or max_tokens too short',
  })
  t.same(gemini.fromFormat('nope', m, 'llm/v1/chat'), { error: 'transformation failed from type gemini://llm/v1/chat: failed to decode response from Gemini' })
  t.same(gemini.fromFormat('3', m, 'llm/v1/chat'), { error: 'transformation failed from type gemini://llm/v1/chat: unexpected_error' })
})

t.test('endpoints', async (t) => {
  // kong/llm/drivers/shared.lua upstream_url_format.gemini and operation_map.gemini
  t.same(gemini.endpoint(model(), 'llm/v1/chat'), {
    ok: { scheme: 'https', host: 'generativelanguage.googleapis.com', port: 443, path: '/v1beta/models/gemini-pro:generateContent' },
  })
  t.same(gemini.endpoint(model(), 'llm/v1/chat', true), {
    ok: { scheme: 'https', host: 'generativelanguage.googleapis.com', port: 443, path: '/v1beta/models/gemini-pro:streamGenerateContent' },
  })
  // upstream_url_format.gemini_vertex and operation_map.gemini_vertex
  const vertex = model({ gemini: { api_endpoint: 'us-central1-aiplatform.googleapis.com', project_id: 'kong-gemini', location_id: 'us-central1' } })
  t.same(gemini.endpoint(vertex, 'llm/v1/chat'), {
    ok: {
      scheme: 'https',
      host: 'us-central1-aiplatform.googleapis.com',
      port: 443,
      path: '/v1/projects/kong-gemini/locations/us-central1/publishers/google/models/gemini-pro:generateContent',
    },
  })
  t.same(gemini.endpoint(model({ upstream_url: 'http://127.0.0.1:8080/v1/chat/completions' }), 'llm/v1/chat', true), {
    ok: { scheme: 'http', host: '127.0.0.1', port: 8080, path: '/v1/chat/completions' },
  })
  t.same(gemini.endpoint(model({ upstream_path: '/custom' }), 'llm/v1/chat'), {
    ok: { scheme: 'https', host: 'generativelanguage.googleapis.com', port: 443, path: '/custom' },
  })
  t.ok('error' in gemini.endpoint(model(), 'preserve'), 'preserve needs an upstream_url (Kong has no operation for it)')
  t.same(gemini.headers?.(model()), { 'accept-encoding': 'identity' }, "Kong's pre_request turns compression off")
  t.equal(gemini.identity?.({ auth: { gcp_use_service_account: false, allow_override: false }, model: model() }, undefined as never), undefined)
})

const bin = (path: string) => Buffer.from(fixture(`unit/streaming-chunk-formats/${path}`), 'utf8')
const texts = (events: StreamEvent[]) => events.map((e) => JSON.parse(e.data!).candidates[0].content.parts[0].text).join('')

t.test('streaming transformer tests', async (t) => {
  t.test('transforms Gemini type (split into two parts)', async (t) => {
    // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:878
    const f = framerFor('application/json; charset=UTF-8')!
    const events = [...f.push(bin('partial-json-split/input-1.bin')), ...f.push(bin('partial-json-split/input-2.bin'))]
    t.equal(texts(events), fixture('unit/streaming-chunk-formats/partial-json-split/expected-output.bin'))
  })
  t.test('transforms Gemini type (split into three parts)', async (t) => {
    // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:902
    const f = framerFor('application/json')!
    const dir = 'partial-json-split-three-parts'
    const events = [...f.push(bin(`${dir}/input-1.bin`)), ...f.push(bin(`${dir}/input-2.bin`)), ...f.push(bin(`${dir}/input-3.bin`))]
    t.equal(texts(events), fixture(`unit/streaming-chunk-formats/${dir}/expected-output.bin`))
  })
  t.test('transforms Gemini type (beginning of stream)', async (t) => {
    // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:933
    const f = framerFor('application/json')!
    t.same(f.push(bin('partial-json-beginning/input.bin')), json('unit/streaming-chunk-formats/partial-json-beginning/expected-output.json'))
  })
  t.test('transforms Gemini type (end of stream)', async (t) => {
    // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:943 (the array already started)
    const f = framerFor('application/json')!
    t.same(f.push(Buffer.from('[')), [])
    t.same(f.push(bin('partial-json-end/input.bin')), json('unit/streaming-chunk-formats/partial-json-end/expected-output.json'))
  })
  t.test('byte by byte, a character cut in two', async (t) => {
    const f = framerFor('application/json')!
    const body = Buffer.from('[{"text": "caf\u00e9 \\"quoted\\" ]}"}\r\n,\r\n{"n": [1, {"x": "}"}]}, 7, "s"]')
    const events: StreamEvent[] = []
    for (const b of body) events.push(...f.push(Buffer.from([b])))
    events.push(...f.end())
    t.same(events, [{ data: '{"text": "caf\u00e9 \\"quoted\\" ]}"}' }, { data: '{"n": [1, {"x": "}"}]}' }, { data: '7' }, { data: '"s"' }, { data: '[DONE]' }])
  })
  t.test('not an array: values one after another', async (t) => {
    const f = framerFor('application/json')!
    t.same(f.push(Buffer.from('{"error": {"code": 400}}\n')), [{ data: '{"error": {"code": 400}}' }])
    t.same(f.end(), [])
  })
})

// spec/03-plugins/38-ai-proxy/09-streaming_integration_spec.lua:353 (the stand-in's chunks, each followed by "\n\n")
const FUNCTION_CHUNKS = [
  '[{\r\n  "candidates": [\r\n    {\r\n      "content": {\r\n        "role": "model",\r\n        "parts": [\r\n          {\r\n            "functionCall": {\r\n              "name": "add",\r\n              "args": {\r\n                "a": 2,\r\n                "b": 12\r\n              }\r\n            }\r\n          }\r\n        ]\r\n      },\r\n',
  '      "finishReason": "STOP",\r\n      "safetyRatings": [\r\n        {\r\n          "category": "HARM_CATEGORY_HATE_SPEECH",\r\n          "probability": "NEGLIGIBLE",\r\n          "probabilityScore": 0.10498047,\r\n          "severity": "HARM_SEVERITY_NEGLIGIBLE",\r\n          "severityScore": 0.09423828\r\n        },\r\n        {\r\n          "category": "HARM_CATEGORY_DANGEROUS_CONTENT",\r\n          "probability": "NEGLIGIBLE",\r\n          "probabilityScore": 0.23535156,\r\n          "severity": "HARM_SEVERITY_NEGLIGIBLE",\r\n          "severityScore": 0.13378906\r\n        },\r\n        {\r\n          "category": "HARM_CATEGORY_HARASSMENT",\r\n          "probability": "NEGLIGIBLE",\r\n          "probabilityScore": 0.15917969,\r\n          "severity": "HARM_SEVERITY_NEGLIGIBLE",\r\n          "severityScore": 0.09814453\r\n        },\r\n        {\r\n          "category": "HARM_CATEGORY_SEXUALLY_EXPLICIT",\r\n          "probability": "NEGLIGIBLE",\r\n          "probabilityScore": 0.09033203,\r\n          "severity": "HARM_SEVERITY_NEGLIGIBLE",\r\n          "severityScore": 0.087402344\r\n        }\r\n      ]\r\n    }\r\n  ],\r\n  "usageMetadata": {\r\n    "promptTokenCount": 47,\r\n    "candidatesTokenCount": 3,\r\n    "totalTokenCount": 50,\r\n    "promptTokensDetails": [\r\n      {\r\n        "modality": "TEXT",\r\n        "tokenCount": 47\r\n      }\r\n    ],\r\n    "candidatesTokensDetails": [\r\n      {\r\n        "modality": "TEXT",\r\n        "tokenCount": 3\r\n      }\r\n    ]\r\n  },\r\n  "modelVersion": "gemini-1.5-pro-001",\r\n  "createTime": "2025-02-20T21:58:56.381597Z",\r\n  "responseId": "oKW3Z52lF4762PgP4P6i4Ak"\r\n}',
  ']',
].map((c) => `${c}\n\n`)

t.test('stream translation', async (t) => {
  const m = model({}, 'gemini-1.5-flash')
  t.test('good stream request gemini with function calls', async (t) => {
    // spec/03-plugins/38-ai-proxy/09-streaming_integration_spec.lua:1146
    const f = framerFor('application/json')!
    const translate = gemini.streamTranslator!(m, 'llm/v1/chat')
    const frames = FUNCTION_CHUNKS.flatMap((c) => f.push(Buffer.from(c))).map(translate)
    t.equal(frames.length, 2)
    const chunk = JSON.parse(frames[0]!.data!)
    t.equal(chunk.choices[0].delta.tool_calls[0].function.name, 'add')
    t.same(JSON.parse(chunk.choices[0].delta.tool_calls[0].function.arguments), { a: 2, b: 12 })
    t.equal(chunk.choices[0].delta.tool_calls[0].type, 'function')
    t.equal(chunk.choices[0].finish_reason, 'STOP', 'the finish reason as Gemini names it')
    t.equal(chunk.model, 'gemini-1.5-flash')
    // normalize-sse-chunk.lua: gemini's counts are set, not added
    t.same(frames[0]!.usage, { promptTokens: 47, completionTokens: 3, replace: true })
    t.same(frames[1], { data: '[DONE]' })
  })
  t.test('text chunks', async (t) => {
    const f = framerFor('application/json')!
    const translate = gemini.streamTranslator!(m, 'llm/v1/chat')
    const frames = f.push(bin('partial-json-beginning/input.bin')).map(translate)
    const first = JSON.parse(frames[0]!.data!)
    t.same(first, { model: 'gemini-1.5-flash', choices: [{ delta: { content: 'The', role: 'assistant' }, index: 0, finish_reason: 'STOP' }] })
    t.same(frames[0]!.usage, { promptTokens: 6, completionTokens: 1, replace: true })
    t.same(frames[3]!.usage, { promptTokens: 6, completionTokens: 65, replace: true })
    t.equal(translate({ data: '' }), undefined, 'empty frames are dropped')
    t.equal(translate({ data: 'not json' }), undefined, 'undecodable frames are dropped')
    t.equal(
      translate({ data: '{"candidates":[{"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":6}}' }),
      undefined,
      'no content: nothing sent, no counts',
    )
  })
})
