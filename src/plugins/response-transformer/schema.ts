/** response-transformer (Kong PRIORITY 800): rewrite response headers and top-level JSON body keys. */
import * as z from 'zod'
import { markSecret, metaFields, oneOf } from '../../config/schema/typedefs.js'

// Kong's `^[^:]+:.*$` and validate_header_name.
const COLON_RE = /^[^:]+:[\s\S]*$/
const HEADER_NAME_RE = /^[A-Za-z0-9_-]+$/

// A credential's entry (`Set-Cookie:...`) keeps its value secret: never echoed or shown.
const colonString = markSecret(
  z.string().refine((v) => COLON_RE.test(v), { error: (iss) => `invalid value: ${String(iss.input)}` }),
  'pairs',
)

// rename.headers: `old:new`, both header names.
const colonHeaders = z.string().superRefine((entry, ctx) => {
  const m = /^([^:]+):*([\s\S]*)$/.exec(entry)
  if (!m || !COLON_RE.test(entry)) return ctx.addIssue({ code: 'custom', message: `invalid value: ${entry}` })
  for (const name of [m[1]!, m[2]!]) {
    if (HEADER_NAME_RE.test(name)) continue
    ctx.addIssue({ code: 'custom', message: `'${name}' is not a valid header` })
    return
  }
})

const list = <T extends z.ZodType<string>>(element: T, description: string) => z.array(element).default([]).describe(description)

const jsonTypes = z
  .array(oneOf(['boolean', 'number', 'string']))
  .default([])
  .describe('JSON types of the `json` values, by position: boolean, number or string (the default).')

const valueRecord = (verb: string, description: string) =>
  z
    .strictObject({
      json: list(colonString, `Top-level JSON keys to ${verb}, as \`key:value\`.`),
      json_types: jsonTypes,
      headers: list(colonString, `Headers to ${verb}, as \`name:value\`.`),
    })
    .prefault({})
    .describe(description)

export const config = z.strictObject({
  remove: z
    .strictObject({
      json: list(z.string(), 'Top-level JSON keys to remove.'),
      headers: list(z.string(), 'Headers to remove.'),
    })
    .prefault({})
    .describe('Remove these headers and top-level JSON keys.'),
  rename: z
    .strictObject({
      json: list(colonString, 'Top-level JSON keys to rename, as `old:new`.'),
      headers: list(colonHeaders, 'Headers to rename, as `old:new`.'),
    })
    .prefault({})
    .describe('Rename these headers and top-level JSON keys when present.'),
  replace: valueRecord('replace', 'Replace values only when the header or key is present.'),
  add: valueRecord('add', 'Add values only when the header or key is absent.'),
  append: valueRecord('append', 'Append values: headers get another value, JSON keys become arrays.'),
  ...metaFields,
})

export type ResponseTransformerConfig = z.infer<typeof config>
