/**
 * Kong's Queue.get_plugin_params (kong/tools/queue.lua): the queue settings a
 * plugin instance runs with. The deprecated top-level fields (http-log,
 * statsd and datadog's `retry_count`, `queue_size`, `flush_timeout`;
 * opentelemetry's `batch_span_count`, `batch_flush_delay`) win over `queue`
 * when set to something other than their old defaults, and each such field
 * warns once per instance, in the words of Kong's schema deprecations.
 */
import type { PluginLog } from '../types.js'
import type { QueueParams } from './queue.js'

export interface LegacyQueueFields {
  queue: QueueParams
  retry_count?: number | null | undefined
  queue_size?: number | null | undefined
  flush_timeout?: number | null | undefined
  batch_span_count?: number | null | undefined
  batch_flush_delay?: number | null | undefined
}

// Each legacy field: its old default, and the queue field it now sets (none: it no longer works).
const LEGACY = [
  ['retry_count', 10, undefined],
  ['queue_size', 1, 'max_batch_size'],
  ['flush_timeout', 2, 'max_coalescing_delay'],
  ['batch_span_count', 200, 'max_batch_size'],
  ['batch_flush_delay', 3, 'max_coalescing_delay'],
] as const

/** The instance's queue settings; with `log`, warns for each legacy field set off its old default. */
export function legacyQueueParams(plugin: string, conf: LegacyQueueFields, log?: PluginLog): QueueParams {
  const q = { ...conf.queue }
  for (const [field, old, target] of LEGACY) {
    const value = conf[field]
    if (value == null || value === old) continue
    if (target === undefined) {
      log?.warn(`${plugin}: config.${field} no longer works, please use config.queue.max_retry_time instead`)
    } else {
      q[target] = value
      log?.warn(`${plugin}: config.${field} is deprecated, please use config.queue.${target} instead`)
    }
  }
  return q
}
