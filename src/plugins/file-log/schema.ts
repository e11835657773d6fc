/** file-log (Kong PRIORITY 9): appends each request's log record to a file, one JSON line each. */
import * as z from 'zod'
import { metaFields } from '../../config/schema/typedefs.js'
import { customFieldsByLua } from '../shared/log-fields-schema.js'

// Kong's pattern: no `*`, `&`, `%`, `\` or backtick, and no whitespace (Lua's %s) first or last,
// so at least two characters.
const FILENAME_RE = /^[^ \t\n\v\f\r*&%\\`][^*&%\\`]*[^ \t\n\v\f\r*&%\\`]$/

export const config = z.strictObject({
  path: z
    .string()
    .min(1, { error: 'length must be at least 1' })
    .regex(FILENAME_RE, { error: 'not a valid filename' })
    .describe("The file path of the output log file. The plugin creates the log file if it doesn't exist yet."),
  reopen: z.boolean().default(false).describe('Close and reopen the log file for every write, so a rotated file is picked up.'),
  custom_fields_by_lua: customFieldsByLua,
  ...metaFields,
})

export type FileLogConfig = z.infer<typeof config>
