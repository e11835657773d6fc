/**
 * Kong's `error_default_type` and `error_template_html|json|xml|plain`
 * settings, turned once at start into the ErrorFormat the request path
 * renders with (render.ts). A template is Kong's: a file whose first `%s`
 * takes the message and whose second takes the request id (Lua's
 * string.format, so `%%` is a percent sign). Kong reads a template on first
 * use and, when it cannot, logs and falls back to its own; here an unreadable
 * file or a directive string.format would fail on stops the start instead, so
 * the mistake is seen before traffic is.
 */
import { readFileSync } from 'node:fs'
import type { ErrorFormat, Kind, Template } from './render.js'

/** Kong's accepted values of error_default_type, and the kind each names. */
export const ERROR_DEFAULT_TYPES: Readonly<Record<string, Kind>> = Object.freeze({
  'application/json': 'json',
  'application/xml': 'xml',
  'text/html': 'html',
  'text/plain': 'text',
})

/** Kong's default (kong.conf.default). */
export const DEFAULT_ERROR_DEFAULT_TYPE = 'text/plain'

/** The template kinds by Kong's setting suffix (error_template_<suffix>). */
export const TEMPLATE_SUFFIXES = Object.freeze({ html: 'html', json: 'json', xml: 'xml', plain: 'text' } as const)
export type TemplateSuffix = keyof typeof TEMPLATE_SUFFIXES

/** A template's text split at its `%s` (at most two: message, request id); `%%` is `%`. */
export function parseTemplate(text: string): Template {
  const parts: string[] = []
  let current = ''
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c !== '%') {
      current += c
      continue
    }
    const next = text[i + 1]
    i++
    if (next === '%') current += '%'
    else if (next === 's') {
      parts.push(current)
      current = ''
    } else throw new Error(`'%${next ?? ''}' is not a directive an error template may use (only %s, twice at most, and %%)`)
  }
  parts.push(current)
  if (parts.length > 3) throw new Error(`has ${parts.length - 1} '%s': an error template takes two at most (the message, then the request id)`)
  return Object.freeze({ parts: Object.freeze(parts) })
}

/** The ErrorFormat for these settings; throws with the setting's name when one is wrong. */
export function errorFormat(defaultType: string = DEFAULT_ERROR_DEFAULT_TYPE, templatePaths: Partial<Record<TemplateSuffix, string>> = {}): ErrorFormat {
  const defaultKind = ERROR_DEFAULT_TYPES[defaultType]
  if (defaultKind === undefined) throw new Error(`error_default_type must be one of ${Object.keys(ERROR_DEFAULT_TYPES).join(', ')}, not '${defaultType}'`)
  const templates: Partial<Record<Kind, Template>> = {}
  for (const [suffix, path] of Object.entries(templatePaths) as [TemplateSuffix, string | undefined][]) {
    if (path === undefined) continue
    let text: string
    try {
      text = readFileSync(path, 'utf8')
    } catch (err) {
      throw new Error(`error_template_${suffix}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err })
    }
    try {
      templates[TEMPLATE_SUFFIXES[suffix]] = parseTemplate(text)
    } catch (err) {
      throw new Error(`error_template_${suffix}: ${path} ${(err as Error).message}`, { cause: err })
    }
  }
  return Object.freeze({ defaultKind, templates: Object.freeze(templates) })
}
