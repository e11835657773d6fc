/** syslog (Kong PRIORITY 4): each request's log record to the local syslog, with a severity by status class. */
import * as z from 'zod'
import { metaFields, oneOf } from '../../config/schema/typedefs.js'
import { customFieldsByLua } from '../shared/log-fields-schema.js'
import { severity } from '../shared/severity.js'

/** syslog(3)'s facilities and their codes (<syslog.h>). */
export const FACILITY_CODE = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
} as const

// Kong's order of the one_of list (its error message lists them so).
const FACILITIES = [
  'auth',
  'authpriv',
  'cron',
  'daemon',
  'ftp',
  'kern',
  'lpr',
  'mail',
  'news',
  'syslog',
  'user',
  'uucp',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
] as const

export const config = z.strictObject({
  log_level: severity('The least severe severity written: messages of a less severe one are not written.'),
  successful_severity: severity('The severity of a response with a status below 400.'),
  client_errors_severity: severity('The severity of a 4xx response.'),
  server_errors_severity: severity('The severity of a 5xx response.'),
  custom_fields_by_lua: customFieldsByLua,
  facility: oneOf(FACILITIES).default('user').describe('The facility is used by the operating system to decide how to handle each log message.'),
  ...metaFields,
})

export type SyslogConfig = z.infer<typeof config>
