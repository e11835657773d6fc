/**
 * key-auth: for each configured name in order, a header, then a query argument,
 * then (when enabled) a body field; the first string found is the key. A key
 * sent twice is refused rather than guessed at. A header name with `_` also
 * matches the header spelled with `-`, as in Kong.
 */
import { KEY_AUTH } from '../../errors.js'
import { authGate, challenge } from '../shared/auth.js'
import { readBodyFields, writeBodyWithout } from '../shared/body.js'
import { definePhases, type Exit, type Kit } from '../types.js'
import type { KeyAuthConfig } from './schema.js'

export default definePhases<KeyAuthConfig>((conf, env) => {
  const gate = authGate(env, conf)
  const headers = { 'www-authenticate': challenge('Key', conf.realm) }
  const NO_KEY: Exit = { ...KEY_AUTH.NO_KEY, headers }
  const DUPLICATE: Exit = { ...KEY_AUTH.DUPLICATE, headers }
  const INVALID: Exit = { ...KEY_AUTH.INVALID, headers }
  const names = conf.key_names.map((n) => n.toLowerCase())
  // Kong reads headers through ngx.req.get_headers(), whose table falls back from
  // `api_key` to `api-key`: the name as written first, then with `-` for `_`.
  const dashed = names.map((n) => (n.includes('_') ? n.replaceAll('_', '-') : undefined))

  const authenticate = (kit: Kit, body: Record<string, unknown> | undefined): Exit | undefined => {
    let key: string | undefined
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!
      const original = conf.key_names[i]!
      let values: readonly unknown[] = []
      let where: 'header' | 'query' | 'body' | undefined
      let header = name
      if (conf.key_in_header) {
        values = kit.request.headerValues(name)
        const alt = dashed[i]
        if (!values.length && alt !== undefined) {
          values = kit.request.headerValues(alt)
          header = alt
        }
        if (values.length) where = 'header'
      }
      if (!where && conf.key_in_query) {
        values = kit.request.query.getAll(original)
        if (values.length) where = 'query'
      }
      if (!where && body && body[original] !== undefined) {
        const v = body[original]
        values = Array.isArray(v) ? v : [v]
        where = 'body'
      }
      if (!where) continue
      if (values.length > 1) return DUPLICATE
      const v = values[0]
      if (typeof v !== 'string') continue
      key = v
      if (conf.hide_credentials) {
        // Kong clears only the name as configured; the spelling the key came in goes too.
        kit.upstream.clearHeader(name)
        if (header !== name) kit.upstream.clearHeader(header)
        if (where === 'query' || kit.request.query.has(original)) kit.upstream.query.delete(original)
        if (body && where === 'body') writeBodyWithout(kit, body, original)
      }
      break
    }
    if (key === undefined || key === '') return NO_KEY
    const credential = env.consumers.keyauth(key)
    if (!credential) return INVALID
    return gate.attach(kit, credential, credential.id) ? undefined : INVALID
  }

  return {
    access(kit) {
      if (gate.skip(kit)) return undefined
      if (!conf.key_in_body) {
        const failure = authenticate(kit, undefined)
        return failure && gate.fail(kit, failure)
      }
      return readBodyFields(kit).then((body) => {
        const failure = authenticate(kit, body)
        return failure && gate.fail(kit, failure)
      })
    },
  }
})
