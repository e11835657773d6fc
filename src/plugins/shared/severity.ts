/**
 * Syslog severities as Kong's syslog and loggly plugins name them, their
 * codes (RFC 5424: emerg 0 .. debug 7), and the choice both plugins make:
 * a severity by the response's status class, written only when it is at
 * least as severe as `log_level`.
 */
import { oneOf } from '../../config/schema/typedefs.js'

export const SEVERITIES = ['debug', 'info', 'notice', 'warning', 'err', 'crit', 'alert', 'emerg'] as const
export type Severity = (typeof SEVERITIES)[number]

export const SEVERITY_CODE: Readonly<Record<Severity, number>> = {
  emerg: 0,
  alert: 1,
  crit: 2,
  err: 3,
  warning: 4,
  notice: 5,
  info: 6,
  debug: 7,
}

/** A severity field with Kong's default (info). */
export const severity = (description: string) => oneOf(SEVERITIES).default('info').describe(description)

export interface SeverityConfig {
  log_level: Severity
  successful_severity: Severity
  client_errors_severity: Severity
  server_errors_severity: Severity
}

/**
 * The code of each status class's severity, or -1 where `log_level` filters it
 * out (a severity less severe, i.e. a higher code, than the level). Computed
 * once per instance.
 */
export function severityCodes(conf: SeverityConfig): { success: number; clientError: number; serverError: number } {
  const max = SEVERITY_CODE[conf.log_level]
  const code = (s: Severity) => (SEVERITY_CODE[s] <= max ? SEVERITY_CODE[s] : -1)
  return { success: code(conf.successful_severity), clientError: code(conf.client_errors_severity), serverError: code(conf.server_errors_severity) }
}

/** The code for a response status (>= 500, >= 400, else success), -1 when filtered out. */
export function codeForStatus(codes: ReturnType<typeof severityCodes>, status: number): number {
  return status >= 500 ? codes.serverError : status >= 400 ? codes.clientError : codes.success
}

/** The record's `response.status` (a custom field may have changed or removed it), or undefined. */
export function statusOf(record: Readonly<Record<string, unknown>>): number | undefined {
  const status = (record.response as { status?: unknown } | undefined)?.status
  return typeof status === 'number' ? status : undefined
}
