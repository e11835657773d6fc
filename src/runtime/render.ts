/**
 * Rendering Kong's two body shapes (the messages are in ../errors.ts): the
 * error template (`message` and `request_id`, negotiated on Accept, or as
 * Kong's error handler does) and compact JSON `{"message": ...}`
 * (kong.response.exit).
 */

type Kind = 'json' | 'html' | 'xml' | 'text'

const CONTENT_TYPES: Record<Kind, string> = {
  json: 'application/json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  text: 'text/plain; charset=utf-8',
}

function kindOfMediaType(type: string): Kind | undefined {
  const t = type.trim().toLowerCase()
  if (t === '*/*' || t.startsWith('application/json') || t === 'application/*') return 'json'
  if (t.startsWith('text/html')) return 'html'
  if (t.startsWith('application/xml') || t.startsWith('text/xml')) return 'xml'
  if (t.startsWith('text/')) return 'text'
  if (t.startsWith('application/')) return 'json'
  return undefined
}

/** The body kind for Accept: the acceptable type with the highest q. */
function negotiate(accept: string | undefined): Kind | undefined {
  if (!accept) return undefined
  let best: Kind | undefined
  let bestQ = -1
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.split(';')
    let q = 1
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p)
      if (m) q = Number(m[1])
    }
    const kind = kindOfMediaType(type)
    if (kind && q > bestQ && q > 0) {
      best = kind
      bestQ = q
    }
  }
  return best
}

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)

export interface Rendered {
  contentType: string
  body: string
}

/**
 * The error template. `origin` 'kong' is kong.response.error (default JSON);
 * 'proxy' is an nginx-level error (502/503/504 from proxying), which falls back
 * to the request's Content-Type and then text/plain, as Kong's error handler does.
 */
export function renderError(message: string, requestId: string, accept: string | undefined, origin: 'kong' | 'proxy' = 'kong', contentType?: string): Rendered {
  const kind = negotiate(accept) ?? (origin === 'proxy' ? ((contentType ? kindOfMediaType(contentType.split(';')[0]!) : undefined) ?? 'text') : 'json')
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
