/**
 * key-auth: for each configured name in order, a header, then a query argument,
 * then (when enabled) a body field; the first string found is the key. A key
 * sent twice is refused rather than guessed at.
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

  const authenticate = (kit: Kit, body: Record<string, unknown> | undefined): Exit | undefined => {
    let key: string | undefined
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!
      const original = conf.key_names[i]!
      let values: readonly unknown[] = []
      let where: 'header' | 'query' | 'body' | undefined
      if (conf.key_in_header) {
        values = kit.request.headerValues(name)
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
        kit.upstream.clearHeader(name)
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
