/**
 * request-callout's last step: the upstream request customised (headers,
 * query, body, each forwarded or not, with `custom` changes), then
 * upstream.by_lua, which may answer instead.
 */
import type { Exit, Kit } from '../types.js'
import type { UpstreamCompiled } from './compile.js'
import { runLua } from './compile.js'
import { applyCustom } from './custom.js'
import type { RequestCalloutConfig } from './schema.js'
import { isObject, parseJson, text } from './values.js'

export async function customiseUpstream(kit: Kit, conf: RequestCalloutConfig, up: UpstreamCompiled): Promise<Exit | undefined> {
  const u = conf.upstream
  const target = kit.upstream
  if (!u.headers.forward) for (const name of Object.keys(kit.request.headers)) target.clearHeader(name)
  if (up.headers.length > 0)
    await applyCustom(
      kit,
      up.headers,
      (k, v) => target.setHeader(k, text(v)),
      (k) => target.clearHeader(k),
    )

  if (!u.query.forward) target.setRawQuery('')
  if (up.query.length > 0)
    await applyCustom(
      kit,
      up.query,
      (k, v) => target.query.set(k, text(v)),
      (k) => target.query.delete(k),
    )

  if (!u.body.forward && up.body.length === 0) target.setBody('')
  if (up.body.length > 0) {
    const raw = u.body.forward ? await kit.request.body() : Buffer.alloc(0)
    const decoded = raw.length === 0 ? {} : parseJson(raw)
    // Body customisations assume JSON: another body is left as it is.
    if (isObject(decoded)) {
      await applyCustom(
        kit,
        up.body,
        (k, v) => (decoded[k] = v),
        (k) => delete decoded[k],
      )
      target.setBody(JSON.stringify(decoded))
      if (raw.length === 0) target.setHeader('content-type', 'application/json')
    }
  }
  if (up.lua) return runLua(up.lua, kit)
  return undefined
}
