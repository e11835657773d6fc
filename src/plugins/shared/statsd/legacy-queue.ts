/**
 * Kong's Queue.get_plugin_params for the metric plugins (statsd, datadog):
 * the deprecated `queue_size` and `flush_timeout` win when set to something
 * other than their old defaults (1 and 2), and each one set warns once per
 * instance, in Kong's words.
 */
import type { PluginLog } from '../../types.js'
import type { QueueParams } from '../queue.js'

export interface LegacyQueueFields {
  queue: QueueParams
  retry_count?: number | undefined
  queue_size?: number | undefined
  flush_timeout?: number | undefined
}

export function legacyQueueParams(plugin: string, conf: LegacyQueueFields, log: PluginLog): QueueParams {
  const q = { ...conf.queue }
  if (conf.retry_count != null && conf.retry_count !== 10)
    log.warn(`${plugin}: config.retry_count no longer works, please use config.queue.max_retry_time instead`)
  if (conf.queue_size != null && conf.queue_size !== 1) {
    q.max_batch_size = conf.queue_size
    log.warn(`${plugin}: config.queue_size is deprecated, please use config.queue.max_batch_size instead`)
  }
  if (conf.flush_timeout != null && conf.flush_timeout !== 2) {
    q.max_coalescing_delay = conf.flush_timeout
    log.warn(`${plugin}: config.flush_timeout is deprecated, please use config.queue.max_coalescing_delay instead`)
  }
  return q
}
