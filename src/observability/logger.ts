/**
 * The gateway's logger: pino, JSON lines on stdout. Redaction paths are set
 * once here, so a credential can never reach a log line by accident.
 */
import { pino, type Logger } from 'pino'

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

const REDACT = [
  'headers.authorization',
  'headers["proxy-authorization"]',
  'headers.cookie',
  'headers["set-cookie"]',
  'headers.apikey',
  'query.apikey',
  '*.password',
  '*.secret',
  '*.key',
]

export function createLogger(level: LogLevel = 'info', destination: NodeJS.WritableStream | number = 1): Logger {
  const dest = typeof destination === 'number' ? pino.destination({ dest: destination, sync: false }) : destination
  return pino({ level, base: { pid: process.pid }, redact: { paths: REDACT, censor: '<redacted>' } }, dest)
}

export type { Logger }

/** Plugin loggers: each line carries the plugin's name and id (child created on first use). */
export function pluginLogger(logger: Logger): (plugin: { name: string; id: string }) => {
  error(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  info(msg: string, fields?: Record<string, unknown>): void
  debug(msg: string, fields?: Record<string, unknown>): void
} {
  return (plugin) => {
    let child: Logger | undefined
    const get = () => (child ??= logger.child({ plugin: plugin.name, plugin_id: plugin.id }))
    return {
      error: (msg, fields) => get().error(fields ?? {}, msg),
      warn: (msg, fields) => get().warn(fields ?? {}, msg),
      info: (msg, fields) => get().info(fields ?? {}, msg),
      debug: (msg, fields) => get().debug(fields ?? {}, msg),
    }
  }
}
