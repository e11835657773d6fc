/**
 * basic-auth: `Basic <base64(username:password)>` in Proxy-Authorization, then
 * Authorization. Stored passwords are sha1_hex(password .. consumer_id), as
 * Kong writes them; the given password is hashed the same way and compared.
 */
import { createHash } from 'node:crypto'
import { BASIC_AUTH } from '../../errors.js'
import { authGate, challenge, safeEqual } from '../shared/auth.js'
import { decodeBase64 } from '../shared/base64.js'
import { definePhases, type Exit, type Kit } from '../types.js'
import type { BasicAuthConfig } from './schema.js'

// Kong matches these with PCRE, unanchored: the scheme may follow other text.
const BASIC_RE = /\s*[Bb]asic\s*(.+)/
// Username: one or more non-colons; password: the rest of the line (PCRE `.` excludes only \n).
const PARTS_RE = /([^:]+):([^\n]*)/

interface Given {
  username: string
  password: Buffer
}

/** The credentials of one header, or undefined when it is absent or malformed. */
function parseHeader(value: string | undefined): Given | undefined {
  if (value === undefined) return undefined
  const encoded = BASIC_RE.exec(value)?.[1]
  if (encoded === undefined) return undefined
  const decoded = decodeBase64(encoded)
  if (!decoded) return undefined
  // Byte-per-char so that the regex sees the bytes Kong's does.
  const parts = PARTS_RE.exec(decoded.toString('latin1'))
  if (!parts) return undefined
  return { username: Buffer.from(parts[1]!, 'latin1').toString('utf8'), password: Buffer.from(parts[2]!, 'latin1') }
}

export default definePhases<BasicAuthConfig>((conf, env) => {
  const gate = authGate(env, conf)
  const UNAUTHORIZED: Exit = { ...BASIC_AUTH.UNAUTHORIZED, headers: { 'www-authenticate': challenge('Basic', conf.realm) } }

  /** Kong reads a header, then clears it when hiding credentials, whether or not it held any. */
  const read = (kit: Kit, name: string): Given | undefined => {
    const given = parseHeader(kit.request.headerValues(name)[0])
    if (conf.hide_credentials) kit.upstream.clearHeader(name)
    return given
  }

  const authenticate = (kit: Kit): Exit | undefined => {
    if (kit.request.header('authorization') === undefined && kit.request.header('proxy-authorization') === undefined) return UNAUTHORIZED
    let given = read(kit, 'proxy-authorization')
    let credential = given && env.consumers.basicauth(given.username)
    if (!credential) {
      given = read(kit, 'authorization')
      credential = given && env.consumers.basicauth(given.username)
    }
    if (!given || !credential) return UNAUTHORIZED
    const digest = createHash('sha1').update(given.password).update(credential.consumer).digest('hex')
    if (!safeEqual(digest, credential.password)) return UNAUTHORIZED
    return gate.attach(kit, credential, credential.username) ? undefined : UNAUTHORIZED
  }

  return { access: gate.access(authenticate) }
})
