/**
 * One request's session, as lua-resty-session 4.0 keeps it: opened from the
 * request's cookies (the session cookie, or the persistent `remember` cookie
 * when that one is gone), checked against the idling, rolling and absolute
 * timeouts, renewed or touched, saved to Set-Cookie (chunked past 4 KiB), and
 * destroyed on logout. The cookie's bytes are format.ts's.
 */
import { randomBytes } from 'node:crypto'
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import type { Kit } from '../types.js'
import {
  base64Size,
  cookieChunks,
  FLAG_DEFLATE,
  FLAG_FORGET,
  FLAG_STORAGE,
  finishHeader,
  HEADER_ENCODED_SIZE,
  headerAuthentic,
  headStart,
  HEADER_TAG_SIZE,
  MAX_COOKIE_SIZE,
  MAX_CREATION_TIME,
  MAX_IDLING_OFFSET,
  MAX_ROLLING_OFFSET,
  MAX_TTL,
  readHeader,
  rememberKey,
  seal,
  sessionKey,
  SID_SIZE,
  touchedHeader,
  unseal,
  type CipherKey,
  type SessionKeys,
} from './format.js'
import { EXPIRE_FLAGS, setCookie } from './jar.js'
import type { RememberKeys } from './remember-keys.js'

/** A plugin instance's session settings, made once when the config is compiled. */
export interface SessionSettings {
  readonly keys: SessionKeys
  readonly audience: string
  readonly idling: number
  readonly rolling: number
  readonly absolute: number
  readonly remember: boolean
  readonly rememberRolling: number
  readonly rememberAbsolute: number
  /** Keys for new persistent cookies, when `remember` is on. */
  readonly rememberKeys: RememberKeys | undefined
  readonly cookieName: string
  readonly rememberName: string
  /** `; Domain=...; Path=...; SameSite=...; Secure; HttpOnly`, as lua-resty-session writes them. */
  readonly cookieFlags: string
  readonly requestHeaders: readonly string[]
  readonly responseHeaders: readonly string[]
}

// lua-resty-session's defaults Kong leaves alone.
const TOUCH_THRESHOLD = 60
const COMPRESSION_THRESHOLD = 1024
/** Bound on an inflated payload (the cookies hold at most 36 KiB; this is far above what they can carry honestly). */
const MAX_INFLATED = 1024 * 1024

/** The session's header numbers, its header bytes and the first chunk of its payload. */
interface Meta {
  timestamp: number
  flags: number
  sid: Buffer
  creation: number
  rolling: number
  dataSize: number
  idling: number
  header: Buffer
  initialChunk: string
}

/** One audience's entry: its data, the audience, the subject. */
type Entry = [unknown, string, (string | undefined)?]

const now = (): number => Math.floor(Date.now() / 1000)

/** lua-resty-session's Session-* header names. */
const HEADER_NAMES: Record<string, string> = {
  id: 'session-id',
  audience: 'session-audience',
  subject: 'session-subject',
  timeout: 'session-timeout',
  'idling-timeout': 'session-idling-timeout',
  'rolling-timeout': 'session-rolling-timeout',
  'absolute-timeout': 'session-absolute-timeout',
}

/** An entry as cjson encodes the Lua table: trailing nils dropped. */
function entryJson(e: Entry): unknown[] {
  return e[2] === undefined ? [e[0], e[1]] : [e[0], e[1], e[2]]
}

type Opened = { ok: true } | { ok: false; error: string; audienceMissing?: boolean }

export class Session {
  state: 'new' | 'open' | 'closed' = 'new'
  #meta: Meta | undefined
  #rememberMeta: Meta | undefined
  #data: Entry[]
  #index = 0

  constructor(
    private readonly set: SessionSettings,
    private readonly kit: Kit,
    private readonly cookies: ReadonlyMap<string, string>,
  ) {
    this.#data = [[{}, set.audience]]
  }

  /**
   * Opens the session from the request's cookies; the error says why there is
   * none. Restoring it from the persistent cookie waits for that cookie's key.
   */
  open(): string | undefined | Promise<string | undefined> {
    const first = this.#open(false, false)
    if (first.ok) return undefined
    if (first.audienceMissing || !this.set.remember) return first.error
    // Its MAC and timeouts first: no key is derived for a cookie that is not ours.
    if (!this.#open(true, true).ok) return first.error
    return rememberKey(this.set.keys, this.#rememberMeta!.sid).then(
      (key) => {
        if (!this.#open(true, false, key).ok) return first.error
        // Restored from the persistent cookie: a new one of it, and a new session cookie.
        const err = this.#save(true)
        if (err) return err
        this.state = 'new'
        this.#meta = undefined
        const again = this.#save(false)
        if (again) return again
        this.state = 'open'
        return undefined
      },
      () => first.error,
    )
  }

  /** Opens the session cookie alone (header_filter, which cannot wait for a persistent cookie's key). */
  openCookie(): void {
    this.#open(false, false)
  }

  get data(): unknown {
    return this.#data[this.#index]![0]
  }

  setData(data: unknown): void {
    this.#data[this.#index]![0] = data
  }

  setSubject(subject: string | undefined): void {
    const entry = this.#data[this.#index]!
    if (subject === undefined) entry.length = 2
    else entry[2] = subject
  }

  /** Saves the session (and the persistent cookie when `remember` is on); the error when it could not. */
  save(warn: (msg: string) => void): string | undefined {
    const err = this.#save(false)
    if (err) return err
    if (this.#remembers()) {
      if (!this.#rememberMeta) this.#open(true, true)
      const r = this.#save(true)
      if (r) warn(r)
    }
    return undefined
  }

  /** Renews the session past three quarters of rolling_timeout, else touches it past a minute idle. */
  refresh(): string | undefined {
    const { rolling, idling } = this.set
    if (rolling === 0 && idling === 0) return undefined
    const meta = this.#meta!
    const rollingElapsed = meta.timestamp - meta.creation - meta.rolling
    if (rolling > 0 && rollingElapsed > Math.ceil(rolling * 0.75)) return this.#save(false)
    if (idling > 0 && rollingElapsed - meta.idling > TOUCH_THRESHOLD) this.#touch()
    return undefined
  }

  /** Ends this audience's session: the cookies expire (or, with other audiences in it, it is saved without this one). */
  logout(warn: (msg: string) => void): string | undefined {
    if (this.#data.length === 1) return this.#destroyAll()
    this.#data.splice(this.#index, 1)
    this.#index = 0
    const err = this.#save(false, 'closed')
    if (err) return err
    if (this.#remembers()) {
      if (!this.#rememberMeta) this.#open(true, true)
      const r = this.#save(true)
      if (r) warn(r)
    }
    return undefined
  }

  /** Sets the configured Session-* request headers (upstream) and response headers. */
  setHeaders(): void {
    for (const name of this.set.requestHeaders) {
      const v = this.#property(name)
      if (v !== undefined) this.kit.upstream.setHeader(HEADER_NAMES[name]!, v)
    }
    this.setResponseHeaders()
  }

  setResponseHeaders(): void {
    for (const name of this.set.responseHeaders) {
      const v = this.#property(name)
      if (v !== undefined) this.kit.response.setHeader(HEADER_NAMES[name]!, v)
    }
  }

  #property(name: string): string | undefined {
    const meta = this.#meta
    const entry = this.#data[this.#index]!
    if (name === 'audience') return entry[1]
    if (name === 'subject') return entry[2]
    if (!meta) return undefined
    const { idling, rolling, absolute } = this.set
    const sinceCreation = meta.timestamp - meta.creation
    const idleLeft = idling - (sinceCreation - meta.rolling - meta.idling)
    const rollingLeft = rolling - (sinceCreation - meta.rolling)
    const absoluteLeft = absolute - sinceCreation
    switch (name) {
      case 'id':
        return meta.sid.toString('base64url')
      case 'timeout': {
        let t: number | undefined
        if (idling > 0) t = idleLeft
        if (rolling > 0) t = t === undefined ? rollingLeft : Math.min(t, rollingLeft)
        if (absolute > 0) t = t === undefined ? absoluteLeft : Math.min(t, absoluteLeft)
        return t === undefined ? undefined : String(t)
      }
      case 'idling-timeout':
        return idling === 0 ? undefined : String(idleLeft)
      case 'rolling-timeout':
        return rolling === 0 ? undefined : String(rollingLeft)
      case 'absolute-timeout':
        return absolute === 0 ? undefined : String(absoluteLeft)
    }
    return undefined
  }

  #remembers(): boolean {
    if (this.#meta && (this.#meta.flags & FLAG_FORGET) !== 0) return false
    return this.set.remember
  }

  #open(remember: boolean, metaOnly: boolean, rememberKey?: CipherKey): Opened {
    const s = this.set
    const current = now()
    const name = remember ? s.rememberName : s.cookieName
    const cookie = this.cookies.get(name.toLowerCase())
    if (cookie === undefined) return { ok: false, error: 'missing session cookie' }
    const encoded = cookie.slice(0, HEADER_ENCODED_SIZE)
    if (encoded.length !== HEADER_ENCODED_SIZE) return { ok: false, error: 'invalid session header' }
    const header = Buffer.from(encoded, 'base64url')
    const h = readHeader(header)
    if (!h) return { ok: false, error: 'invalid session header' }
    if ((h.flags & FLAG_STORAGE) !== 0) return { ok: false, error: 'invalid session flags' }
    if (h.creation > MAX_CREATION_TIME) return { ok: false, error: 'invalid session creation time' }
    const sinceCreation = current - h.creation
    if (sinceCreation > MAX_ROLLING_OFFSET) return { ok: false, error: 'session lifetime exceeded' }
    const absolute = remember ? s.rememberAbsolute : s.absolute
    if (absolute !== 0 && sinceCreation > absolute) return { ok: false, error: `session ${remember ? 'remember ' : ''}absolute timeout exceeded` }
    const rolling = remember ? s.rememberRolling : s.rolling
    if (rolling !== 0 && sinceCreation - h.rolling > rolling) return { ok: false, error: `session ${remember ? 'remember ' : ''}rolling timeout exceeded` }
    if (remember) {
      if (h.idling !== 0) return { ok: false, error: 'invalid session idling offset' }
    } else if (s.idling !== 0 && sinceCreation - h.rolling - h.idling > s.idling) {
      return { ok: false, error: 'session idling timeout exceeded' }
    }
    if (!headerAuthentic(s.keys, header, h.sid)) return { ok: false, error: 'invalid session message authentication code' }

    const chunks = cookieChunks(name.length, h.dataSize)
    if (chunks === undefined) return { ok: false, error: 'cookie size limit exceeded' }
    let payload: string
    let initialChunk: string
    if (chunks === 1) {
      initialChunk = h.dataSize === 0 ? '' : cookie.slice(-h.dataSize)
      payload = initialChunk
    } else {
      initialChunk = cookie.slice(HEADER_ENCODED_SIZE)
      const parts = [initialChunk]
      for (let i = 2; i <= chunks; i++) {
        const chunk = this.cookies.get(`${name}${i}`.toLowerCase())
        if (chunk === undefined) return { ok: false, error: 'missing session cookie chunk' }
        parts.push(chunk)
      }
      payload = parts.join('')
    }
    if (payload.length !== h.dataSize) return { ok: false, error: 'invalid session payload' }

    const meta: Meta = {
      timestamp: current,
      flags: h.flags,
      sid: h.sid,
      creation: h.creation,
      rolling: h.rolling,
      dataSize: h.dataSize,
      idling: h.idling,
      header,
      initialChunk,
    }
    if (remember) this.#rememberMeta = meta
    else this.#meta = meta
    if (metaOnly) return { ok: true }

    const key = remember ? rememberKey : sessionKey(s.keys, h.sid)
    if (!key) return { ok: false, error: 'unable to derive session decryption key' }
    const plain = unseal(key, Buffer.from(payload, 'base64url'), header.subarray(0, HEADER_TAG_SIZE), h.tag)
    if (!plain) return { ok: false, error: 'unable to decrypt session data' }
    let data: unknown
    try {
      const json = (h.flags & FLAG_DEFLATE) !== 0 ? inflateRawSync(plain, { maxOutputLength: MAX_INFLATED }) : plain
      data = JSON.parse(json.toString('utf8'))
    } catch {
      return { ok: false, error: 'unable to json decode session data' }
    }
    if (!Array.isArray(data) || !data.every((e) => Array.isArray(e) && e.length >= 1)) return { ok: false, error: 'unable to json decode session data' }
    const entries = data as Entry[]
    const at = entries.findIndex((e) => e[1] === s.audience)
    if (at < 0) {
      entries.push(this.#data[this.#index]!)
      this.state = 'new'
      this.#data = entries
      this.#index = entries.length - 1
      return { ok: false, error: 'missing session audience', audienceMissing: true }
    }
    this.state = 'open'
    this.#data = entries
    this.#index = at
    return { ok: true }
  }

  #save(remember: boolean, state: 'open' | 'closed' = 'open'): string | undefined {
    const s = this.set
    const name = remember ? s.rememberName : s.cookieName
    const meta = remember ? this.#rememberMeta : this.#meta
    let sid: Buffer
    let key: CipherKey
    if (remember) ({ sid, key } = s.rememberKeys!.take())
    else {
      sid = randomBytes(SID_SIZE)
      key = sessionKey(s.keys, sid)
    }
    const current = now()
    let creation = meta?.creation
    let rolling = 0
    if (creation !== undefined) {
      rolling = current - creation
      if (rolling > MAX_ROLLING_OFFSET) return 'session maximum rolling offset exceeded'
    } else {
      creation = current
    }
    if (creation > MAX_CREATION_TIME) return 'session maximum creation time exceeded'
    let flags = 0
    if (meta && (meta.flags & FLAG_FORGET) !== 0) flags |= FLAG_FORGET

    let plain = Buffer.from(JSON.stringify(this.#data.map(entryJson)))
    if (plain.length > COMPRESSION_THRESHOLD) {
      const deflated = deflateRawSync(plain)
      if (deflated.length < plain.length) {
        flags |= FLAG_DEFLATE
        plain = deflated
      }
    }
    const dataSize = base64Size(plain.length)
    const chunks = cookieChunks(name.length, dataSize)
    if (chunks === undefined) return 'cookie size limit exceeded'

    const start = headStart(flags, sid, creation, rolling, dataSize)
    const { ciphertext, tag } = seal(key, plain, start)
    const header = finishHeader(s.keys, start, tag, 0, sid)
    const headerEncoded = header.toString('base64url')
    const payload = ciphertext.toString('base64url')

    let tail = s.cookieFlags
    if (remember) {
      let maxAge = Math.trunc(s.rememberRolling)
      if (maxAge <= 0 || maxAge > MAX_TTL) maxAge = MAX_TTL
      tail += `; Expires=${new Date((creation + maxAge) * 1000).toUTCString()}; Max-Age=${maxAge}`
    }
    let initialChunk: string
    if (chunks === 1) {
      initialChunk = payload
      setCookie(this.kit, name, `${name}=${headerEncoded}${payload}${tail}`)
    } else {
      let at = MAX_COOKIE_SIZE - HEADER_ENCODED_SIZE - name.length - 1
      initialChunk = payload.slice(0, at)
      setCookie(this.kit, name, `${name}=${headerEncoded}${initialChunk}${tail}`)
      const size = MAX_COOKIE_SIZE - name.length - 2
      for (let i = 2; i <= chunks; i++, at += size) setCookie(this.kit, `${name}${i}`, `${name}${i}=${payload.slice(at, at + size)}${tail}`)
    }
    // A smaller session than before: the chunks it no longer uses expire.
    const oldChunks = meta ? cookieChunks(name.length, meta.dataSize) : undefined
    if (!remember && oldChunks !== undefined && oldChunks > chunks) {
      for (let i = chunks + 1; i <= oldChunks; i++) setCookie(this.kit, `${name}${i}`, `${name}${i}=${s.cookieFlags}${EXPIRE_FLAGS}`)
    }

    const saved: Meta = { timestamp: current, flags, sid, creation, rolling, dataSize, idling: 0, header, initialChunk }
    if (remember) this.#rememberMeta = saved
    else {
      this.state = state
      this.#meta = saved
    }
    return undefined
  }

  /** A new idling offset in the header, same payload (only the first cookie is sent again). */
  #touch(): void {
    const meta = this.#meta!
    const idling = Math.min(now() - meta.creation - meta.rolling, MAX_IDLING_OFFSET)
    meta.header = touchedHeader(this.set.keys, meta.header, meta.sid, idling)
    meta.idling = idling
    const name = this.set.cookieName
    setCookie(this.kit, name, `${name}=${meta.header.toString('base64url')}${meta.initialChunk}${this.set.cookieFlags}`)
  }

  #destroy(remember: boolean): void {
    const s = this.set
    const name = remember ? s.rememberName : s.cookieName
    const meta = remember ? this.#rememberMeta : this.#meta
    const chunks = meta ? (cookieChunks(name.length, meta.dataSize) ?? 1) : 1
    setCookie(this.kit, name, `${name}=${s.cookieFlags}${EXPIRE_FLAGS}`)
    for (let i = 2; i <= chunks; i++) setCookie(this.kit, `${name}${i}`, `${name}${i}=${s.cookieFlags}${EXPIRE_FLAGS}`)
    this.state = 'closed'
  }

  #destroyAll(): undefined {
    this.#destroy(false)
    if (this.#remembers()) {
      if (!this.#rememberMeta && !this.#open(true, true).ok) return undefined
      this.#destroy(true)
    }
    return undefined
  }
}
