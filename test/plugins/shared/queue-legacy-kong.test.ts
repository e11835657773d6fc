// Kong's legacy queue parameters (spec/03-plugins/01-legacy_queue_parameter_warning_spec.lua),
// for the four plugins that still accept them, through a real gateway: each warns, in the
// words of Kong's schema deprecations, only when set to something other than its old default;
// and the values map onto the queue as Kong's Queue.get_plugin_params maps them.
import t from 'tap'
import { stringify } from 'yaml'
import { loadConfig } from '../../../src/config/load.js'
import { legacyQueueParams, type LegacyQueueFields } from '../../../src/plugins/shared/queue-legacy.js'
import { pluginGateway, pluginLines } from '../../helpers/plugin-gateway.js'

// spec/03-plugins/01-legacy_queue_parameter_warning_spec.lua:51: each plugin's base config.
const PLUGINS: Record<string, { base: Record<string, unknown>; legacy: Record<string, [old: number, target: string | undefined]> }> = {
  'http-log': { base: { http_endpoint: 'http://127.0.0.1:9/' }, legacy: {} },
  statsd: { base: { host: '127.0.0.1', port: 9 }, legacy: {} },
  datadog: { base: { host: '127.0.0.1', port: 9 }, legacy: {} },
  opentelemetry: { base: { traces_endpoint: 'http://127.0.0.1:9/' }, legacy: {} },
}
// spec/03-plugins/01-legacy_queue_parameter_warning_spec.lua:92: the parameters and their old defaults.
const QUEUE_FIELDS: Record<string, [number, string | undefined]> = {
  retry_count: [10, undefined],
  queue_size: [1, 'max_batch_size'],
  flush_timeout: [2, 'max_coalescing_delay'],
}
for (const name of ['http-log', 'statsd', 'datadog']) PLUGINS[name]!.legacy = QUEUE_FIELDS
// spec/03-plugins/01-legacy_queue_parameter_warning_spec.lua:98
PLUGINS.opentelemetry!.legacy = { batch_span_count: [200, 'max_batch_size'], batch_flush_delay: [3, 'max_coalescing_delay'] }

for (const [plugin, { base, legacy }] of Object.entries(PLUGINS)) {
  t.test(`${plugin}: legacy queue parameters`, async (t) => {
    const warned = async (extra: Record<string, unknown>) => {
      const { lines, pluginLog } = pluginLines()
      const g = await pluginGateway(t, stringify({ _format_version: '3.0', plugins: [{ name: plugin, config: { ...base, ...extra } }] }), undefined, {
        pluginLog,
      })
      await g.gw.close()
      return lines.filter((l) => /config\.queue\./.test(l.msg)).map((l) => l.msg)
    }
    // spec/03-plugins/01-legacy_queue_parameter_warning_spec.lua:86
    t.same(await warned({}), [], 'no warning by default')
    for (const [field, [old, target]] of Object.entries(legacy)) {
      const words = target === undefined ? 'no longer works, please use config.queue.max_retry_time' : `is deprecated, please use config.queue.${target}`
      // spec/03-plugins/01-legacy_queue_parameter_warning_spec.lua:110
      t.same(await warned({ [field]: old }), [], `none for ${field} at its old default ${old}`)
      // spec/03-plugins/01-legacy_queue_parameter_warning_spec.lua:115
      t.same(await warned({ [field]: old + 1 }), [`${plugin}: config.${field} ${words} instead`], `one for ${field} ${old + 1}`)
    }
  })
}

t.test('the legacy values set the queue as Kong maps them', async (t) => {
  // kong/tools/queue.lua get_plugin_params: a field set off its old default wins over `queue`.
  const queueOf = (plugin: string, config: Record<string, unknown>) => {
    const r = loadConfig(stringify({ _format_version: '3.0', plugins: [{ name: plugin, config }] }), { file: 'k.yml' })
    if (!r.ok) throw new Error(JSON.stringify(r.issues))
    return legacyQueueParams(plugin, r.config.plugins[0]!.config as unknown as LegacyQueueFields)
  }
  const http = queueOf('http-log', { http_endpoint: 'http://h.test', queue_size: 7, flush_timeout: 2, retry_count: 3 })
  t.equal(http.max_batch_size, 7, 'queue_size sets max_batch_size')
  t.equal(http.max_coalescing_delay, 1, 'flush_timeout at its old default does not override')
  const otel = queueOf('opentelemetry', { traces_endpoint: 'http://h.test', batch_span_count: 50, batch_flush_delay: 9 })
  t.equal(otel.max_batch_size, 50, 'batch_span_count sets max_batch_size')
  t.equal(otel.max_coalescing_delay, 9, 'batch_flush_delay sets max_coalescing_delay')
  const datadog = queueOf('datadog', { queue: { max_batch_size: 5 }, queue_size: 1 })
  t.equal(datadog.max_batch_size, 5, "queue's own value stays when the legacy field is at its old default")
})
