/**
 * Rendering Kong's two body shapes (the messages are in ../errors.ts): the
 * error template (`message` and `request_id`, negotiated on Accept, or as
 * Kong's error handler does) and compact JSON `{"message": ...}`
 * (kong.response.exit). Negotiation is Kong's `get_response_type`
 * (kong/tools/http.lua) to the letter, so a client gets the shape Kong would
 * give it; `ErrorFormat` carries Kong's `error_default_type` and
 * `error_template_*` settings (error-format.ts builds it once, at start).
 */

export type Kind = 'json' | 'html' | 'xml' | 'text'

const CONTENT_TYPES: Record<Kind, string> = {
  json: 'application/json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  text: 'text/plain; charset=utf-8',
}

/**
 * Kong's MIME_TYPES lookup (get_mime_type with its default): exact and
 * case-sensitive, `type/*` by its type, and anything else JSON. So `text/xml`,
 * `text/csv` or `image/png` are JSON, as in Kong.
 */
function kindOfMediaType(type: string): Kind {
  const slash = type.indexOf('/')
  const sub = type.slice(slash + 1)
  if (sub === '*') return type.slice(0, slash) === 'text' ? 'text' : 'json'
  switch (type) {
    case 'text/html':
      return 'html'
    case 'text/plain':
      return 'text'
    case 'application/xml':
      return 'xml'
    default:
      return 'json'
  }
}

// Kong's ACCEPT_PATTERN, taken apart: a media type at the start of each entry,
// then parameters, the last `q` among them (1, 1.000, 0, 0.xyz) counting.
const MEDIA_TYPE = /^((?:[a-z0-9][a-z0-9!#$&^_+.-]+|\*)\/(?:[a-z0-9][a-z0-9!#$&^_+.-]+|\*))/i
const Q_PARAM = /^\s*;\s*q=(1(?:\.0{0,3})?|0(?:\.\d{0,3})?)/i
const OTHER_PARAM = /^\s*;\s*[a-z0-9][a-z0-9!#$&^_+.-]+(?:=[^;]*)?/i

/**
 * The body kind for an Accept value (Kong's get_response_type): the entry
 * with the highest q, the first one on a tie; q=0 never wins; JSON when
 * nothing is acceptable or the value is empty.
 */
export function negotiate(accept: string): Kind {
  let kind: Kind = 'json'
  let best = 0
  for (const part of accept.split(',')) {
    const entry = part.trim()
    const m = MEDIA_TYPE.exec(entry)
    if (!m) continue
    let rest = entry.slice(m[0].length)
    let q: string | undefined
    for (;;) {
      const p = Q_PARAM.exec(rest)
      if (p) q = p[1]
      const step = p ?? OTHER_PARAM.exec(rest)
      if (!step) break
      rest = rest.slice(step[0].length)
    }
    const quality = q === undefined ? 1 : Number(q)
    if (quality > best) {
      best = quality
      kind = kindOfMediaType(m[1]!)
    }
  }
  return kind
}

/** A custom template (Kong's error_template_*), split at its `%s`: message, then request id. */
export interface Template {
  readonly parts: readonly string[]
}

/** Kong's error_default_type and error_template_* settings, resolved once at start. */
export interface ErrorFormat {
  /** The kind of an nginx-level error for a request with neither Accept nor Content-Type. */
  readonly defaultKind: Kind
  readonly templates: Readonly<Partial<Record<Kind, Template>>>
}

export const DEFAULT_ERROR_FORMAT: ErrorFormat = Object.freeze({ defaultKind: 'text', templates: Object.freeze({}) })

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)
/** What goes into a template's slot: escaped for the template's language (Kong inserts it raw). */
const ESCAPE: Record<Kind, (s: string) => string> = {
  json: (s) => JSON.stringify(s).slice(1, -1),
  html: escapeXml,
  xml: escapeXml,
  text: (s) => s,
}

export interface Rendered {
  contentType: string
  body: string
}

function fill(t: Template, kind: Kind, message: string, requestId: string): string {
  const values = [ESCAPE[kind](message), ESCAPE[kind](requestId)]
  let out = t.parts[0]!
  for (let i = 1; i < t.parts.length; i++) out += values[i - 1]! + t.parts[i]!
  return out
}

/**
 * The error template. `origin` 'kong' is kong.response.error (negotiated on
 * Accept, JSON when absent); 'proxy' is an nginx-level error through Kong's
 * error handler, negotiated on Accept, else the request's Content-Type, else
 * `error_default_type`.
 */
export function renderError(
  message: string,
  requestId: string,
  accept: string | undefined,
  origin: 'kong' | 'proxy' = 'kong',
  contentType?: string,
  format: ErrorFormat = DEFAULT_ERROR_FORMAT,
): Rendered {
  let kind: Kind
  if (accept !== undefined) kind = negotiate(accept)
  else if (origin === 'kong') kind = 'json'
  else kind = contentType !== undefined ? negotiate(contentType) : format.defaultKind
  const custom = format.templates[kind]
  if (custom) return { contentType: CONTENT_TYPES[kind], body: fill(custom, kind, message, requestId) }
  switch (kind) {
    case 'json':
      return { contentType: CONTENT_TYPES.json, body: `{\n  "message":${JSON.stringify(message)},\n  "request_id":${JSON.stringify(requestId)}\n}` }
    case 'text':
      return { contentType: CONTENT_TYPES.text, body: `${message}\nrequest_id: ${requestId}\n` }
    case 'xml':
      return {
        contentType: CONTENT_TYPES.xml,
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<error>\n  <message>${escapeXml(message)}</message>\n  <requestid>${escapeXml(requestId)}</requestid>\n</error>\n`,
      }
    case 'html':
      return {
        contentType: CONTENT_TYPES.html,
        body: `<!doctype html>\n<html>\n  <head>\n    <meta charset="utf-8">\n    <title>Error</title>\n  </head>\n  <body>\n    <h1>Error</h1>\n    <p>${escapeXml(message)}.</p>\n    <p>request_id: ${escapeXml(requestId)}</p>\n  </body>\n</html>\n`,
      }
  }
}

/** kong.response.exit(status, { message }): compact JSON, no request id. */
export function renderExit(message: string): Rendered {
  return { contentType: CONTENT_TYPES.json, body: JSON.stringify({ message }) }
}
