/**
 * The status page on the admin listener: `/` answers browsers (an Accept that
 * prefers text/html) with the page and everyone else with Kong's JSON, and
 * /status-page/ serves its stylesheet and script. Everything comes from the
 * gateway itself under a strict Content-Security-Policy: scripts, styles and
 * fetches from this origin only, no inline script or style, no framing.
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import { PAGE_HTML } from './html.js'
import { PAGE_SCRIPT } from './script.js'
import { PAGE_CSS } from './style.js'

export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/** The weight an Accept header gives a media type: its own entry, else `type/*`, else `*\/*` (RFC 9110 §12.5.1). */
function weight(accept: string, type: string, wildcards: boolean): number {
  const [major] = type.split('/')
  let specificity = -1
  let q = 0
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.split(';').map((x) => x.trim().toLowerCase())
    const s = range === type ? 2 : wildcards && range === `${major}/*` ? 1 : wildcards && range === '*/*' ? 0 : -1
    if (s < 0 || s < specificity) continue
    const given = params.find((x) => x.startsWith('q='))
    const value = given === undefined ? 1 : Number(given.slice(2)) || 0
    q = s > specificity ? value : Math.max(q, value)
    specificity = s
  }
  return q
}

/**
 * A browser asks for text/html by name and ranks it above JSON; API clients
 * (no Accept, `*\/*`, application/json, or html and json ranked equal) keep
 * the JSON they always had.
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false
  const html = weight(accept, 'text/html', false)
  return html > 0 && html > weight(accept, 'application/json', true)
}

const secure = (reply: FastifyReply, type: string) =>
  reply
    .header('content-type', type)
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-cache')

/** The page itself (the `/` handler calls this when prefersHtml). */
export function sendPage(reply: FastifyReply) {
  return secure(reply, 'text/html; charset=utf-8').send(PAGE_HTML)
}

/** The page's stylesheet and script. */
export function registerPageAssets(app: FastifyInstance): void {
  app.get('/status-page/style.css', async (_req, reply) => secure(reply, 'text/css; charset=utf-8').send(PAGE_CSS))
  app.get('/status-page/app.js', async (_req, reply) => secure(reply, 'text/javascript; charset=utf-8').send(PAGE_SCRIPT))
}
