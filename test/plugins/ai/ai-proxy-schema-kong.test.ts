// Kong's ai-proxy schema spec (spec/03-plugins/38-ai-proxy/00-config_spec.lua): which configs
// `gateway validate` accepts, and Kong's messages for the ones it refuses.
import t from 'tap'
import { stringify } from 'yaml'
import { loadConfig } from '../../../src/config/load.js'

const load = (config: Record<string, unknown>) => loadConfig(stringify({ _format_version: '3.0', plugins: [{ name: 'ai-proxy', config }] }), { file: 'k.yml' })
const issues = (config: Record<string, unknown>): string[] => {
  const r = load(config)
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`)
}
const options = { max_tokens: 256, temperature: 1.0 }
// Kong's spec keys its anthropic configs with 'anthropic_key'; ours use another value because the
// loader hides secret values in every message, and that one would hide 'anthropic' in Kong's text.
const openai = { name: 'openai', provider: 'openai', options: { ...options, upstream_url: 'http://nowhere' } }

t.test('requires upstream_url when using self-hosted llama2 model', async (t) => {
  // spec/03-plugins/38-ai-proxy/00-config_spec.lua:28
  const got = issues({
    route_type: 'llm/v1/chat',
    auth: { header_name: 'Authorization', header_value: 'Bearer token' },
    model: { name: 'llama-2-7b-chat-hf', provider: 'llama2', options: { ...options, llama2_format: 'raw' } },
  })
  t.same(got, ["plugins[0].config: must set 'model.options.upstream_url' for self-hosted providers/models"])
})

t.test('does not require API auth for self-hosted models', async (t) => {
  // spec/03-plugins/38-ai-proxy/00-config_spec.lua:64
  for (const [provider, format] of [
    ['llama2', { llama2_format: 'raw' }],
    ['mistral', { mistral_format: 'ollama' }],
  ] as const)
    t.same(
      issues({
        route_type: 'llm/v1/chat',
        model: { name: 'llama-2-7b-chat-hf', provider, options: { ...options, upstream_url: 'http://nowhere', ...format } },
      }),
      [],
      provider,
    )
})

t.test('requires [anthropic_version] field when anthropic provider is used', async (t) => {
  // spec/03-plugins/38-ai-proxy/00-config_spec.lua:93
  const got = issues({
    route_type: 'llm/v1/chat',
    auth: { header_name: 'x-api-key', header_value: 'sk-ant-secret' },
    model: { name: 'anthropic-chat', provider: 'anthropic', options },
  })
  t.same(got, ["plugins[0].config: must set 'model.options.anthropic_version' for anthropic provider"])
})

t.test('do not support log statistics when /completions route_type is used for anthropic provider', async (t) => {
  // spec/03-plugins/38-ai-proxy/00-config_spec.lua:117
  const got = issues({
    route_type: 'llm/v1/completions',
    auth: { header_name: 'x-api-key', header_value: 'sk-ant-secret' },
    model: { name: 'anthropic-chat', provider: 'anthropic', options: { ...options, anthropic_version: '2021-09-01' } },
    logging: { log_statistics: true },
  })
  t.same(got, ['plugins[0].config: anthropic does not support statistics when route_type is llm/v1/completions'])
})

t.test('requires [azure_instance] field when azure provider is used', async (t) => {
  // spec/03-plugins/38-ai-proxy/00-config_spec.lua:146
  const got = issues({
    route_type: 'llm/v1/chat',
    auth: { header_name: 'Authorization', header_value: 'Bearer token' },
    model: { name: 'azure-chat', provider: 'azure', options },
  })
  t.equal(got[0], "plugins[0].config: must set 'model.options.azure_instance' for azure provider")
})

t.test('auth header name and value go together', async (t) => {
  // spec/03-plugins/38-ai-proxy/00-config_spec.lua:170 and :193
  t.same(issues({ route_type: 'llm/v1/chat', auth: { header_name: 'Authorization' }, model: openai }), [
    "plugins[0].config: all or none of these fields must be set: 'auth.header_name', 'auth.header_value'",
  ])
  t.same(issues({ route_type: 'llm/v1/chat', auth: { header_name: 'Authorization', header_value: 'Bearer token' }, model: openai }), [])
})

t.test('auth param name, value and location go together', async (t) => {
  // spec/03-plugins/38-ai-proxy/00-config_spec.lua:216, :240 and :265
  t.same(issues({ route_type: 'llm/v1/chat', auth: { param_name: 'apikey', param_value: 'key' }, model: openai }), [
    "plugins[0].config: all or none of these fields must be set: 'auth.param_name', 'auth.param_value', 'auth.param_location'",
  ])
  t.same(issues({ route_type: 'llm/v1/chat', auth: { param_name: 'apikey', param_value: 'key', param_location: 'query' }, model: openai }), [])
  const both = { param_name: 'apikey', param_value: 'key', param_location: 'query', header_name: 'Authorization', header_value: 'Bearer token' }
  t.same(issues({ route_type: 'llm/v1/chat', auth: both, model: openai }), [])
})

t.test('bedrock and gemini refuse auth.allow_override', async (t) => {
  // spec/03-plugins/38-ai-proxy/00-config_spec.lua:290 and :319
  const auth = {
    param_name: 'apikey',
    param_value: 'key',
    param_location: 'query',
    header_name: 'Authorization',
    header_value: 'Bearer token',
    allow_override: true,
  }
  for (const provider of ['bedrock', 'gemini'])
    t.same(
      issues({ route_type: 'llm/v1/chat', auth, model: { name: provider, provider, options: { ...options, upstream_url: 'http://nowhere' } } }),
      ['plugins[0].config: bedrock and gemini only support auth.allow_override = false', 'plugins[0].config.auth.allow_override: value must be false'],
      provider,
    )
})

t.test('native llm_format can only use llm/v1/chat route_type', async (t) => {
  // spec/03-plugins/38-ai-proxy/00-config_spec.lua:348
  const auth = {
    param_name: 'apikey',
    param_value: 'key',
    param_location: 'query',
    header_name: 'Authorization',
    header_value: 'Bearer token',
    allow_override: false,
  }
  const model = { name: 'gemini', provider: 'gemini', options: { ...options, upstream_url: 'http://nowhere' } }
  t.same(issues({ route_type: 'llm/v1/completions', auth, model, llm_format: 'gemini' }), [
    "plugins[0].config: native provider options in llm_format can only be used with the 'llm/v1/chat' route_type",
    'plugins[0].config.route_type: value must be llm/v1/chat',
  ])
  t.same(issues({ route_type: 'llm/v1/chat', auth, model, llm_format: 'gemini' }), [])
})

t.test('a native llm_format needs its own provider', async (t) => {
  // spec/03-plugins/38-ai-proxy/00-config_spec.lua:400 and :452
  const auth = {
    param_name: 'apikey',
    param_value: 'key',
    param_location: 'query',
    header_name: 'Authorization',
    header_value: 'Bearer token',
    allow_override: false,
  }
  for (const format of ['bedrock', 'gemini']) {
    t.same(issues({ route_type: 'llm/v1/chat', auth, model: openai, llm_format: format }), [
      `plugins[0].config: native llm_format '${format}' can only be used with the '${format}' model.provider`,
      `plugins[0].config.model.provider: value must be ${format}`,
    ])
    const own = { name: format, provider: format, options: { ...options, upstream_url: 'http://nowhere' } }
    t.same(issues({ route_type: 'llm/v1/chat', model: own, auth: { allow_override: false }, llm_format: format }), [])
  }
})

t.test("Kong's defaults", async (t) => {
  // kong/plugins/ai-proxy/schema.lua, kong/llm/schemas/init.lua
  const r = load({ route_type: 'llm/v1/chat', model: { provider: 'openai', options: {} } })
  t.ok(r.ok)
  if (!r.ok) return
  t.same(r.config.plugins[0]!.config, {
    route_type: 'llm/v1/chat',
    model: { provider: 'openai', options: { azure_api_version: '2023-05-15' } },
    logging: { log_statistics: false, log_payloads: false },
    response_streaming: 'allow',
    max_request_body_size: 8192,
    model_name_header: true,
    llm_format: 'openai',
  })
  t.equal(r.config.plugins[0]!.protocols?.join(','), 'grpc,grpcs,http,https')
})

t.test('field types and ranges', async (t) => {
  const bad = (field: Record<string, unknown>) => issues({ route_type: 'llm/v1/chat', model: { provider: 'openai', options: field } }).join('\n')
  t.match(bad({ temperature: 6 }), /temperature: value should be between 0 and 5/)
  t.match(bad({ top_p: 2 }), /top_p: value should be between 0 and 1/)
  t.match(bad({ top_k: 501 }), /top_k: value should be between 0 and 500/)
  t.match(bad({ input_cost: 0 }), /input_cost: value must be greater than 0/)
  t.match(bad({ upstream_url: 'nowhere' }), /upstream_url: missing host in url/)
  t.match(
    issues({ route_type: 'llm/v1/embeddings', model: { provider: 'openai' } }).join('\n'),
    /route_type: expected one of: llm\/v1\/chat, llm\/v1\/completions, preserve/,
  )
  t.match(issues({ route_type: 'llm/v1/chat', model: { provider: 'nope' } }).join('\n'), /provider: expected one of: openai, azure/)
  t.match(issues({ route_type: 'llm/v1/chat', model: { provider: 'openai' }, max_request_body_size: 0 }).join('\n'), /value must be greater than 0/)
  t.match(issues({ route_type: 'llm/v1/chat', model: { provider: 'openai' }, response_streaming: 'maybe' }).join('\n'), /expected one of: allow, deny, always/)
})

t.test('a stream protocol is refused (protocols_http)', async (t) => {
  const r = loadConfig(
    stringify({
      _format_version: '3.0',
      plugins: [{ name: 'ai-proxy', protocols: ['tcp'], config: { route_type: 'llm/v1/chat', model: { provider: 'openai' } } }],
    }),
    { file: 'k.yml' },
  )
  t.notOk(r.ok)
})
