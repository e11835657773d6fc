/** request-transformer (Kong PRIORITY 801): rewrite the request before it is proxied. */
import * as z from 'zod'
import { markSecret, metaFields } from '../../config/schema/typedefs.js'
import { compileTemplate } from '../shared/template.js'
import { CHECK_ENGINE } from '../shared/template-check.js'

/** Kong's split of a `name:value` entry (`^([^:]+):*(.-)$`): extra colons after the name are skipped. */
export function splitPair(entry: string): { name: string; value: string } | undefined {
  const m = /^([^:]+):*([\s\S]*)$/.exec(entry)
  return m ? { name: m[1]!, value: m[2]! } : undefined
}

// kong.tools.http: validate_header_name / validate_header_value.
const HEADER_NAME_RE = /^[A-Za-z0-9_-]+$/
const HEADER_VALUE_RE = /^[\x20-\x7e]*$/
const COLON_RE = /^[^:]+:[\s\S]*$/

type Ctx = z.RefinementCtx<string>

const notHeader = (ctx: Ctx, what: string | undefined) => ctx.addIssue({ code: 'custom', message: `'${what ?? 'nil'}' is not a valid header` })

/** A value is a template: one whose Lua does not parse is refused here, not at request time. */
function checkTemplate(ctx: Ctx, value: string): void {
  const t = compileTemplate(value, CHECK_ENGINE)
  if ('error' in t) ctx.addIssue({ code: 'custom', message: `value '${value}' is not in supported format, error:${t.error}` })
}

function checkMatch(ctx: Ctx, entry: string): boolean {
  if (COLON_RE.test(entry)) return true
  ctx.addIssue({ code: 'custom', message: `invalid value: ${entry}` })
  return false
}

// remove.headers: the name must be a header name.
const headerName = z.string().superRefine((entry, ctx) => {
  const p = splitPair(entry)
  if (!p || !HEADER_NAME_RE.test(p.name)) notHeader(ctx, p?.name)
})

// body / querystring entries of rename, replace, add, append: `name:value`, the value a template.
// The value of a credential's entry (`Authorization:...`, `apikey:...`) is a secret: never echoed or shown.
const colonString = markSecret(
  z.string().superRefine((entry, ctx) => {
    const p = splitPair(entry)
    if (!p || p.value === '') return ctx.addIssue({ code: 'custom', message: `key '${p?.name ?? ''}' has no value` })
    checkTemplate(ctx, p.value)
  }),
  'pairs',
)

// headers of replace, add, append: `name:value` with a valid name and a printable value (may be empty).
const colonHeaderValue = markSecret(
  z.string().superRefine((entry, ctx) => {
    if (!checkMatch(ctx, entry)) return
    const p = splitPair(entry)!
    if (!HEADER_NAME_RE.test(p.name)) return notHeader(ctx, p.name)
    if (!HEADER_VALUE_RE.test(p.value)) return notHeader(ctx, p.value)
    checkTemplate(ctx, p.value)
  }),
  'pairs',
)

// rename.headers: `old:new`, both header names.
const colonHeaders = z.string().superRefine((entry, ctx) => {
  if (!checkMatch(ctx, entry)) return
  const p = splitPair(entry)!
  if (!HEADER_NAME_RE.test(p.name)) return notHeader(ctx, p.name)
  if (!HEADER_NAME_RE.test(p.value)) notHeader(ctx, p.value)
})

const list = <T extends z.ZodType<string>>(element: T, description: string) => z.array(element).default([]).describe(description)

const removeRecord = z
  .strictObject({
    body: list(z.string(), 'Body parameters to remove (JSON, form-urlencoded or multipart).'),
    headers: list(headerName, 'Headers to remove.'),
    querystring: list(z.string(), 'Query arguments to remove.'),
  })
  .prefault({})
  .describe('Remove these headers, query arguments and body parameters.')

const renameRecord = z
  .strictObject({
    body: list(colonString, 'Body parameters to rename, as `old:new`.'),
    headers: list(colonHeaders, 'Headers to rename, as `old:new`.'),
    querystring: list(colonString, 'Query arguments to rename, as `old:new`.'),
  })
  .prefault({})
  .describe('Rename these headers, query arguments and body parameters (only when present).')

const valueFields = (verb: string) => ({
  body: list(colonString, `Body parameters to ${verb}, as \`name:value\`; the value may be a $(...) template.`),
  headers: list(colonHeaderValue, `Headers to ${verb}, as \`name:value\`; the value may be a $(...) template.`),
  querystring: list(colonString, `Query arguments to ${verb}, as \`name:value\`; the value may be a $(...) template.`),
})

const replaceRecord = z
  .strictObject({
    ...valueFields('replace'),
    uri: z
      .string()
      .superRefine((v, ctx) => checkTemplate(ctx, v))
      .optional()
      .describe('Replaces the upstream path (the query is kept); may be a $(...) template.'),
  })
  .prefault({})
  .describe('Replace values only when the header, argument or parameter is present; `uri` replaces the upstream path.')

export const config = z.strictObject({
  http_method: z
    .string()
    .refine((v) => /^[A-Z]+$/.test(v), { error: (iss) => `invalid value: ${String(iss.input)}` })
    .optional()
    .describe('Changes the upstream request method (upper case). GET, HEAD or TRACE also copy a form-urlencoded body into the query.'),
  remove: removeRecord,
  rename: renameRecord,
  replace: replaceRecord,
  add: z.strictObject(valueFields('add')).prefault({}).describe('Add values only when the header, argument or parameter is absent (never the Host header).'),
  append: z
    .strictObject(valueFields('append'))
    .prefault({})
    .describe(
      'Append values: a present header gets another value, a query argument or body parameter becomes an array (multipart bodies are not appended to).',
    ),
  ...metaFields,
})

export type RequestTransformerConfig = z.infer<typeof config>
