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
