// The bedrock driver's mapping, as Kong's unit spec tests it (spec/03-plugins/38-ai-proxy/01-unit_spec.lua:
// the bedrock FORMATS case and "bedrock tools"), Kong's bedrock event streams through the framer and the
// stream translator, and the parts of kong/llm/drivers/bedrock.lua the spec leaves out (tool calls and
// results, roles, inference config, stop reasons, usage, errors, endpoints). Fixtures are Kong's.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { DRIVERS } from '../../../src/plugins/shared/ai/drivers/index.js'
import { fromToolUses, toConverse, toTools } from '../../../src/plugins/shared/ai/drivers/bedrock-format.js'
import type { StreamFrame } from '../../../src/plugins/shared/ai/drivers/types.js'
import { framerFor } from '../../../src/plugins/shared/ai/stream-frames.js'
import type { AiModel } from '../../../src/plugins/shared/ai/schema.js'
import type { NodeView } from '../../../src/plugins/types.js'
import { converseEvent, converseException } from '../../helpers/aws-eventstream.js'
import { fixture } from './openai-standin.js'

const bedrock = DRIVERS.bedrock!
const json = (path: string): any => JSON.parse(fixture(path))
const CHAT = 'llm/v1/chat' as const

// spec/03-plugins/38-ai-proxy/01-unit_spec.lua:408 FORMATS.bedrock
const MODEL: AiModel = {
  name: 'bedrock',
  provider: 'bedrock',
  options: { max_tokens: 8192, temperature: 0.8, top_k: 1, top_p: 0.6, azure_api_version: '2023-05-15' },
}

t.test('bedrock llm/v1/chat format', async (t) => {
  // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:684
  const out = bedrock.toFormat(json('unit/requests/llm-v1-chat.json'), MODEL, CHAT)
  if (!('ok' in out)) return t.fail(out.error)
  t.same(JSON.parse(JSON.stringify(out.ok)), json('unit/expected-requests/bedrock/llm-v1-chat.json'), 'converts to provider request format correctly')
  // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:722
  const back = bedrock.fromFormat(fixture('unit/real-responses/bedrock/llm-v1-chat.json'), MODEL, CHAT)
  if (!('ok' in back)) return t.fail(back.error)
  const got = JSON.parse(back.ok)
  const expected = json('unit/expected-responses/bedrock/llm-v1-chat.json')
  t.same(got.choices[0].message, expected.choices[0].message, 'converts from provider response format correctly')
  t.equal(got.model, expected.model)
  // kong/llm/drivers/bedrock.lua _OPENAI_STOP_REASON_MAPPING: end_turn is OpenAI's stop
  t.equal(got.choices[0].finish_reason, 'stop')
})

t.test('bedrock tools', async (t) => {
  // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:145 SAMPLE_OPENAI_TOOLS_REQUEST
  const tools = [
    {
      function: {
        parameters: { type: 'object', properties: { product_name: { type: 'string' } }, required: ['product_name'] },
        name: 'check_stock',
        description: 'Check a product is in stock.',
      },
      type: 'function',
    },
  ]
  // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:1296
  t.same(toTools(tools), [
    {
      toolSpec: {
        description: 'Check a product is in stock.',
        inputSchema: { json: { properties: { product_name: { type: 'string' } }, required: ['product_name'], type: 'object' } },
        name: 'check_stock',
      },
    },
  ])
  // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:1323, :1329
  t.equal(toTools({ messages: [{ role: 'system', content: 'You are a mathematician.' }] }), undefined, 'NO_TOOLS')
  t.equal(toTools(undefined), undefined, 'NIL')
  // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:1335 with SAMPLE_BEDROCK_TOOLS_RESPONSE (:194)
  const content = [
    { text: 'Certainly! To calculate the sum of 121, 212, and 313, we can use the "sumArea" function that\'s available to us.' },
    { toolUse: { input: { areas: [121, 212, 313] }, name: 'sumArea', toolUseId: 'tooluse_4ZakZPY9SiWoKWrAsY7_eg' } },
  ]
  const calls = fromToolUses(content)!
  t.same(calls[0]!.function, { name: 'sumArea', arguments: '{"areas":[121,212,313]}' })
  t.equal(calls[0]!.id, 'tooluse_4ZakZPY9SiWoKWrAsY7_eg')
  // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:1346 with SAMPLE_LLM_V1_CHAT_WITH_GUARDRAILS (:115)
  const guarded = toConverse(
    {
      messages: [
        { role: 'system', content: 'You are a mathematician.' },
        { role: 'assistant', content: 'What is 1 + 1?' },
      ],
      guardrailConfig: { guardrailIdentifier: 'yu5xwvfp4sud', guardrailVersion: '1', trace: 'enabled' },
    },
    { name: 'some-model', provider: 'bedrock' },
  )
  t.same(guarded.guardrailConfig, { guardrailIdentifier: 'yu5xwvfp4sud', guardrailVersion: '1', trace: 'enabled' })

  // The whole answer of SAMPLE_BEDROCK_TOOLS_RESPONSE through from_format: text, tool call, stop reason, usage.
  const answer = bedrock.fromFormat(
    JSON.stringify({
      metrics: { latencyMs: 3781 },
      output: { message: { content, role: 'assistant' } },
      stopReason: 'tool_use',
      usage: { inputTokens: 410, outputTokens: 115, totalTokens: 525 },
    }),
    { name: 'm', provider: 'bedrock' },
    CHAT,
  )
  if (!('ok' in answer)) return t.fail(answer.error)
  const a = JSON.parse(answer.ok)
  t.equal(a.choices[0].message.content, content[0]!.text)
  t.equal(a.choices[0].message.tool_calls[0].type, 'function')
  t.equal(a.choices[0].finish_reason, 'tool_calls')
  t.same(a.usage, { prompt_tokens: 410, completion_tokens: 115, total_tokens: 525 })
})

t.test('request mapping (kong/llm/drivers/bedrock.lua to_bedrock_chat_openai)', async (t) => {
  const model: AiModel = { name: 'anthropic.claude-3-sonnet-20240229-v1:0', provider: 'bedrock', options: { azure_api_version: '2023-05-15' } }
  const out = bedrock.toFormat(
    {
      model: 'ignored',
      stream: true,
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'system', content: 'be kind' },
        { content: 'weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
            { id: 'c2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'c1', content: '{"sky":"sunny"}' },
        { role: 'tool', tool_call_id: 'c2', content: '"rain"', status: 'success' },
        { role: 'assistant', content: 'Sunny in Paris, rain in Rome.' },
        { role: 'user', content: [{ text: 'thanks' }] },
      ],
      max_tokens: 100,
      temperature: 0.2,
      top_p: 0.9,
      stop: ['END'],
      tools: [{ type: 'function', function: { name: 'weather', description: 'the weather', parameters: { type: 'object' } } }],
      bedrock: { additionalModelRequestFields: { top_k: 5 }, toolConfig: { toolChoice: { auto: {} } } },
    },
    model,
    CHAT,
  )
  if (!('ok' in out)) return t.fail(out.error)
  t.same(JSON.parse(JSON.stringify(out.ok)), {
    anthropic_version: 'bedrock-2023-05-31',
    system: [{ text: 'be brief' }, { text: 'be kind' }],
    messages: [
      { role: 'user', content: [{ text: 'weather in Paris and Rome?' }] }, // no role is the user's
      {
        role: 'assistant',
        content: [
          { toolUse: { toolUseId: 'c1', name: 'weather', input: { city: 'Paris' } } },
          { toolUse: { toolUseId: 'c2', name: 'weather', input: { city: 'Rome' } } },
        ],
      },
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: 'c1', content: [{ json: { sky: 'sunny' } }] } },
          { toolResult: { toolUseId: 'c2', content: [{ json: { result: 'rain' } }], status: 'success' } },
        ],
      },
      { role: 'assistant', content: [{ text: 'Sunny in Paris, rain in Rome.' }] },
      { role: 'user', content: [{ text: 'thanks' }] },
    ],
    inferenceConfig: { maxTokens: 100, stopSequences: ['END'], temperature: 0.2, topP: 0.9 },
    toolConfig: { toolChoice: { auto: {} }, tools: [{ toolSpec: { name: 'weather', description: 'the weather', inputSchema: { json: { type: 'object' } } } }] },
    additionalModelRequestFields: { top_k: 5 },
  })
  // kong/llm/drivers/shared.lua merge_config_defaults: the config's options win; anthropic_version is the configured one
  const opts = bedrock.toFormat(
    { messages: [{ role: 'user', content: 'hi' }], max_tokens: 5, temperature: 1 },
    { ...model, options: { azure_api_version: '2023-05-15', max_tokens: 7, anthropic_version: 'v9' } },
    CHAT,
  )
  if (!('ok' in opts)) return t.fail(opts.error)
  t.same(opts.ok.inferenceConfig, { maxTokens: 7, stopSequences: undefined, temperature: 1, topP: undefined })
  t.equal(opts.ok.anthropic_version, 'v9')

  // Kong's errors, as `error transforming to bedrock://llm/v1/chat: ...`
  const fail = (b: Record<string, unknown>, m: AiModel = model) => {
    const r = bedrock.toFormat(b, m, CHAT)
    return 'error' in r ? r.error : 'no error'
  }
  t.equal(
    fail({ messages: [{ role: 'tool', tool_call_id: 'c1', content: 'sunny' }] }),
    'error transforming to bedrock://llm/v1/chat: failed to decode function response arguments, not JSON format',
  )
  t.equal(
    fail({ messages: [{ role: 'assistant', tool_calls: [{ id: 'c1', function: { name: 'f', arguments: '{bad' } }] }] }),
    "error transforming to bedrock://llm/v1/chat: failed to decode function response arguments from assistant's message, not JSON format",
  )
  t.equal(
    fail(
      {
        messages: [
          { role: 'system', content: 'x' },
          { role: 'user', content: 'y' },
        ],
      },
      { name: 'amazon.titan-text-express-v1', provider: 'bedrock' },
    ),
    "error transforming to bedrock://llm/v1/chat: system prompts are unsupported for model 'amazon.titan-text-express-v1",
  )
  t.equal(
    fail({ messages: [{ role: 'system', content: 'x' }] }, { name: 'mistral.mistral-7b-instruct-v0:2', provider: 'bedrock' }).endsWith(
      "model 'mistral.mistral-7b-instruct-v0:2",
    ),
    true,
  )
  t.equal(
    fail({ messages: [{ role: 'system', content: 'x' }] }, { name: 'cohere.command-r-v1:0', provider: 'bedrock' }),
    'no error',
    'command-r takes a system prompt',
  )
  t.same(bedrock.toFormat({ prompt: 'hi' }, model, 'llm/v1/completions'), { error: 'no transformer for bedrock://llm/v1/completions' })
})

t.test('answer mapping (kong/llm/drivers/bedrock.lua from_bedrock_chat_openai)', async (t) => {
  const model: AiModel = { name: 'm1', provider: 'bedrock' }
  const answer = (body: unknown) => {
    const r = bedrock.fromFormat(typeof body === 'string' ? body : JSON.stringify(body), model, CHAT)
    return 'ok' in r ? JSON.parse(r.ok) : r.error
  }
  const msg = (stopReason?: string) => ({ output: { message: { role: 'assistant', content: [{ text: 'hi' }] } }, stopReason })
  t.equal(answer(msg('max_tokens')).choices[0].finish_reason, 'length')
  t.equal(answer(msg('guardrail_intervened')).choices[0].finish_reason, 'guardrail_intervened')
  t.equal(answer(msg('content_filtered')).choices[0].finish_reason, 'stop', 'an unknown reason is stop')
  t.equal(answer(msg()).usage, undefined, 'no usage in, none out')
  t.same(answer({ ...msg(), trace: { guardrail: { x: 1 } } }).trace, { guardrail: { x: 1 } }, 'the guardrail trace passes')
  t.equal(answer('not json'), 'transformation failed from type bedrock://llm/v1/chat: failed to decode response from Bedrock')
  t.equal(
    answer({ output: { message: { content: [] } } }),
    'transformation failed from type bedrock://llm/v1/chat: no generation candidates received from Bedrock, or max_tokens too short',
  )
  t.equal(answer({ message: 'ValidationException' }).startsWith('transformation failed'), true, "an answer that is not Converse's")
  const noArgs = answer({ output: { message: { content: [{ toolUse: { toolUseId: 't', name: 'now', input: {} } }] } }, stopReason: 'tool_use' })
  t.same(
    noArgs.choices[0].message,
    { role: 'assistant', tool_calls: [{ function: { name: 'now' }, id: 't', type: 'function' }] },
    'an empty input has no arguments',
  )
  t.same(bedrock.fromFormat('{}', model, 'llm/v1/completions'), { error: 'no transformer available from format bedrock://llm/v1/completions' })
})

/** A stream's bytes through the AWS framer and the bedrock translator. */
function translate(chunks: Buffer[], model: AiModel): StreamFrame[] {
  const framer = framerFor('application/vnd.amazon.eventstream')!
  const tr = bedrock.streamTranslator!(model, CHAT)
  const events = [...chunks.flatMap((c) => framer.push(c)), ...framer.end()]
  return events.map(tr).filter((f): f is StreamFrame => f !== undefined)
}
const chunks = (frames: StreamFrame[]) => frames.filter((f) => f.data !== '[DONE]').map((f) => JSON.parse(f.data!))

t.test("Kong's bedrock text stream, translated", async (t) => {
  // The stream of spec/03-plugins/38-ai-proxy/01-unit_spec.lua:979 (a real Converse stream), through from_format("stream/llm/v1/chat")
  const FIXTURES = fileURLToPath(new URL('../../fixtures/kong-ai-proxy/', import.meta.url))
  const frames = translate([readFileSync(`${FIXTURES}unit/streaming-chunk-formats/aws/input.bin`)], { name: 'titan', provider: 'bedrock' })
  const out = chunks(frames)
  t.same(out[0], {
    choices: [{ delta: { content: '', role: 'assistant' }, index: 0, logprobs: null }],
    model: 'titan',
    object: 'chat.completion.chunk',
    system_fingerprint: null,
  })
  const text = out.map((c) => c.choices[0].delta.content ?? '').join('')
  t.match(text, /^Hello! Relativity is a set of physical theories.*space, time, and matter\.$/s)
  t.same(out[out.length - 1], { choices: [{ delta: {}, index: 0, finish_reason: 'stop', logprobs: null }], model: 'titan', object: 'chat.completion.chunk' })
  t.same(frames[frames.length - 1], { data: '[DONE]', usage: { promptTokens: 9, completionTokens: 97 } }, 'metadata: the token counts and the end')
  t.equal(frames.length, 5, 'contentBlockStop sends nothing')
})

t.test("Kong's bedrock tool-use stream, translated", async (t) => {
  // spec/03-plugins/38-ai-proxy/09-streaming_integration_spec.lua:1212: the function's name and its arguments, put together
  const frames = translate(
    [1, 2, 3].map((i) => Buffer.from(fixture(`bedrock/chunks/chunk-${i}.txt`), 'base64')),
    { name: 'aws-titan-v1:0', provider: 'bedrock' },
  )
  let name: string | undefined
  let args = ''
  for (const c of chunks(frames)) {
    const call = c.choices[0].delta.tool_calls?.[0]
    if (call?.function.name) name = call.function.name
    if (call?.function.arguments) args += call.function.arguments
  }
  t.equal(name, 'add')
  t.same(JSON.parse(args), { a: 2, b: 12 })
  const start = chunks(frames)[1]
  t.same(start.choices[0].delta.tool_calls, [{ index: 0, id: 'tooluse_UxbKWVKgTqe8cKjPPzopiQ', function: { name: 'add', arguments: '' } }])
  t.equal(chunks(frames).at(-1).choices[0].finish_reason, 'tool_calls')
  t.same(frames.at(-1), { data: '[DONE]', usage: { promptTokens: 478, completionTokens: 44 } })
})

t.test('stream events Kong does not translate send nothing', async (t) => {
  const frames = translate(
    [
      converseEvent('contentBlockStart', { contentBlockIndex: 0, start: {} }),
      converseEvent('contentBlockStop', { contentBlockIndex: 0 }),
      converseEvent('somethingNew', { x: 1 }),
      converseException('throttlingException', 'slow down'),
      converseEvent('contentBlockDelta', { contentBlockIndex: 0, delta: {} }),
      converseEvent('metadata', { metrics: {} }),
    ],
    { name: 'm', provider: 'bedrock' },
  )
  t.same(frames, [
    {
      data: JSON.stringify({
        choices: [{ delta: { content: '' }, index: 0, logprobs: null }],
        model: 'm',
        object: 'chat.completion.chunk',
        system_fingerprint: null,
      }),
    },
    { data: '[DONE]', usage: { promptTokens: 0, completionTokens: 0 } },
  ])
})

t.test('endpoints (kong/llm/drivers/bedrock.lua configure_request)', async (t) => {
  const node = { slot: () => new Map() } as unknown as NodeView
  const model: AiModel = {
    name: 'anthropic.claude-3-haiku-20240307-v1:0',
    provider: 'bedrock',
    options: { azure_api_version: '2023-05-15', bedrock: { aws_region: 'eu-west-3' } },
  }
  const id = bedrock.identity!(
    { model, auth: { aws_access_key_id: 'AKID', aws_secret_access_key: 'secret', gcp_use_service_account: false, allow_override: false } },
    { node, env: {} },
  )!
  t.equal(id.error, undefined)
  // kong/llm/drivers/shared.lua upstream_url_format.bedrock and operation_map.bedrock
  t.same(id.endpoint!(model, CHAT, false), {
    ok: { scheme: 'https', host: 'bedrock-runtime.eu-west-3.amazonaws.com', port: 443, path: '/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse' },
  })
  t.same(id.endpoint!(model, CHAT, true), {
    ok: {
      scheme: 'https',
      host: 'bedrock-runtime.eu-west-3.amazonaws.com',
      port: 443,
      path: '/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream',
    },
  })
  const arn = { ...model, name: 'arn:aws:bedrock:eu-west-3:123456789012:inference-profile/eu.anthropic.claude' }
  t.equal(
    (id.endpoint!(arn, CHAT, false) as any).ok.path,
    '/model/arn%3Aaws%3Abedrock%3Aeu-west-3%3A123456789012%3Ainference-profile%2Feu.anthropic.claude/converse',
    'an ARN is one segment',
  )
  const custom = { ...model, options: { ...model.options!, upstream_url: 'http://127.0.0.1:9000/model/x/converse' } }
  t.same(id.endpoint!(custom, CHAT, true), { ok: { scheme: 'http', host: '127.0.0.1', port: 9000, path: '/model/x/converse' } }, 'upstream_url as given')
  const pathed = { ...model, options: { ...model.options!, upstream_path: '/custom' } }
  t.equal((id.endpoint!(pathed, CHAT, false) as any).ok.path, '/custom', 'upstream_path replaces the path')

  // kong/llm/drivers/shared.lua cloud_identity_function: the environment's region, else none
  const fromEnv = bedrock.identity!({ model: { name: 'm', provider: 'bedrock' } }, { node, env: { AWS_DEFAULT_REGION: 'ap-south-1' } })!
  t.equal((fromEnv.endpoint!({ name: 'm', provider: 'bedrock' }, CHAT, false) as any).ok.host, 'bedrock-runtime.ap-south-1.amazonaws.com')
  const regionWins = bedrock.identity!({ model }, { node, env: { AWS_REGION: 'us-west-2' } })!
  t.equal((regionWins.endpoint!(model, CHAT, false) as any).ok.host, 'bedrock-runtime.eu-west-3.amazonaws.com', "the config's region wins")
  t.same(bedrock.identity!({ model: { name: 'm', provider: 'bedrock' } }, { node, env: {} }), { error: 'AWS region not specified anywhere' })

  // No credentials anywhere: the signer says so, naming fields, never values.
  // (the default chain's file and instance metadata left out: this machine's are not the test's)
  const none = bedrock.identity!({ model }, { node, env: { AWS_EC2_METADATA_DISABLED: 'true', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials' } })!
  await t.rejects(
    none.sign!({ method: 'POST', scheme: 'https', host: 'h', port: 443, path: '/', query: {}, body: '' }),
    /^failed to sign AWS request: no AWS credentials: set auth\.aws_access_key_id and auth\.aws_secret_access_key/,
  )
})
