/**
 * The session cookie's bytes, as lua-resty-session 4.0 (the version Kong 3.10
 * bundles) writes them, so a cookie Kong issued opens here and the other way
 * round, given the same secret:
 *
 *   header (82 bytes, base64url: 110 chars) || payload (base64url ciphertext)
 *   type 1 | flags 2 | sid 32 | creation 5 | rolling offset 4 | data size 3 |
 *   GCM tag 16 | idling offset 3 | MAC 16        (integers little-endian)
 *
 * The key material is SHA-256(secret). The payload is AES-256-GCM under a key
 * and IV derived per session id (HKDF-SHA256, info "encryption:<sid>"; the
 * persistent cookie uses PBKDF2-SHA256 with 10,000 rounds, lua-resty-session's
 * "Medium" safety), with the first 47 header bytes as associated data. The
 * header is authenticated by HMAC-SHA256 (key from HKDF, info
 * "authentication:<sid>"), truncated to 16 bytes.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, pbkdf2, pbkdf2Sync, timingSafeEqual } from 'node:crypto'

export const SID_SIZE = 32
const TAG_SIZE = 16
const MAC_SIZE = 16
/** type, flags, sid, creation, rolling offset, data size: the associated data of the payload. */
export const HEADER_TAG_SIZE = 1 + 2 + SID_SIZE + 5 + 4 + 3
/** ... then the GCM tag: what `touch` keeps. */
export const HEADER_TOUCH_SIZE = HEADER_TAG_SIZE + TAG_SIZE
/** ... then the idling offset: what the MAC covers. */
export const HEADER_MAC_SIZE = HEADER_TOUCH_SIZE + 3
export const HEADER_SIZE = HEADER_MAC_SIZE + MAC_SIZE
export const HEADER_ENCODED_SIZE = Math.ceil((4 * HEADER_SIZE) / 3)

const COOKIE_TYPE = 1
export const FLAG_STORAGE = 0x0001
export const FLAG_FORGET = 0x0002
export const FLAG_DEFLATE = 0x0010

export const MAX_COOKIE_SIZE = 4096
const MAX_COOKIES = 9
const MAX_COOKIES_SIZE = MAX_COOKIES * MAX_COOKIE_SIZE
export const MAX_CREATION_TIME = 2 ** 40 - 1
export const MAX_ROLLING_OFFSET = 2 ** 32 - 1
export const MAX_IDLING_OFFSET = 2 ** 24 - 1
export const MAX_DATA_SIZE = 2 ** 24 - 1
/** The longest Max-Age a cookie gets (400 days, RFC 6265bis). */
export const MAX_TTL = 34560000

const REMEMBER_ROUNDS = 10000

/** The numbers of a header, decoded. */
export interface HeaderFields {
  flags: number
  sid: Buffer
  creation: number
  rolling: number
  dataSize: number
  tag: Buffer
  idling: number
}

/** The key material of one secret: SHA-256 of it, and HKDF's extracted key (empty salt), both made once. */
export interface SessionKeys {
  readonly ikm: Buffer
  readonly prk: Buffer
}

export function keysOf(secret: string | Buffer): SessionKeys {
  const ikm = createHash('sha256').update(secret).digest()
  // HKDF-Extract with an empty salt: HMAC keyed by 32 zero bytes.
  const prk = createHmac('sha256', Buffer.alloc(32)).update(ikm).digest()
  return { ikm, prk }
}

/** HKDF-Expand (RFC 5869) of `usage:sid`, up to 64 bytes. */
function expand(keys: SessionKeys, usage: string, sid: Buffer, size: number): Buffer {
  const info = Buffer.concat([Buffer.from(`${usage}:`), sid])
  const t1 = createHmac('sha256', keys.prk).update(info).update(Buffer.of(1)).digest()
  if (size <= 32) return t1.subarray(0, size)
  const t2 = createHmac('sha256', keys.prk).update(t1).update(info).update(Buffer.of(2)).digest()
  return Buffer.concat([t1, t2]).subarray(0, size)
}

/** A payload's AES-256-GCM key and IV. */
export interface CipherKey {
  readonly key: Buffer
  readonly iv: Buffer
}

const split = (bytes: Buffer): CipherKey => ({ key: bytes.subarray(0, 32), iv: bytes.subarray(32, 44) })
const rememberSalt = (sid: Buffer) => Buffer.concat([Buffer.from('encryption:'), sid])

/** The session cookie's key and IV for a session id (HKDF: cheap). */
export function sessionKey(keys: SessionKeys, sid: Buffer): CipherKey {
  return split(expand(keys, 'encryption', sid, 44))
}

/**
 * The persistent cookie's key and IV (PBKDF2, 10,000 rounds: some
 * milliseconds of CPU), computed on libuv's thread pool.
 */
export function rememberKey(keys: SessionKeys, sid: Buffer): Promise<CipherKey> {
  return new Promise((resolve, reject) =>
    pbkdf2(keys.ikm, rememberSalt(sid), REMEMBER_ROUNDS, 44, 'sha256', (err, bytes) => (err ? reject(err) : resolve(split(bytes)))),
  )
}

/** The same on the calling thread: only when no key was prepared ahead. */
export function rememberKeySync(keys: SessionKeys, sid: Buffer): CipherKey {
  return split(pbkdf2Sync(keys.ikm, rememberSalt(sid), REMEMBER_ROUNDS, 44, 'sha256'))
}

/** The header's MAC over its first HEADER_MAC_SIZE bytes. */
export function macOf(keys: SessionKeys, sid: Buffer, msg: Buffer): Buffer {
  return createHmac('sha256', expand(keys, 'authentication', sid, 32))
    .update(msg)
    .digest()
    .subarray(0, MAC_SIZE)
}

/** Reads a header's numbers; undefined when it is not a session header of this type. */
export function readHeader(header: Buffer): HeaderFields | undefined {
  if (header.length !== HEADER_SIZE || header[0] !== COOKIE_TYPE) return undefined
  return {
    flags: header.readUInt16LE(1),
    sid: header.subarray(3, 3 + SID_SIZE),
    creation: header.readUIntLE(35, 5),
    rolling: header.readUInt32LE(40),
    dataSize: header.readUIntLE(44, 3),
    tag: header.subarray(47, 47 + TAG_SIZE),
    idling: header.readUIntLE(63, 3),
  }
}

/** Whether the header's MAC is right (constant time). */
export function headerAuthentic(keys: SessionKeys, header: Buffer, sid: Buffer): boolean {
  return timingSafeEqual(macOf(keys, sid, header.subarray(0, HEADER_MAC_SIZE)), header.subarray(HEADER_MAC_SIZE, HEADER_SIZE))
}

/** The first HEADER_TAG_SIZE bytes of a header. */
export function headStart(flags: number, sid: Buffer, creation: number, rolling: number, dataSize: number): Buffer {
  const b = Buffer.alloc(HEADER_TAG_SIZE)
  b[0] = COOKIE_TYPE
  b.writeUInt16LE(flags, 1)
  sid.copy(b, 3)
  b.writeUIntLE(creation, 35, 5)
  b.writeUInt32LE(rolling, 40)
  b.writeUIntLE(dataSize, 44, 3)
  return b
}

/** The whole header: `start` (tag-less part), the tag, the idling offset and the MAC. */
export function finishHeader(keys: SessionKeys, start: Buffer, tag: Buffer, idling: number, sid: Buffer): Buffer {
  const idle = Buffer.alloc(3)
  idle.writeUIntLE(idling, 0, 3)
  const msg = Buffer.concat([start, tag, idle])
  return Buffer.concat([msg, macOf(keys, sid, msg)])
}

/** A header with a new idling offset and MAC (lua-resty-session's `touch`). */
export function touchedHeader(keys: SessionKeys, header: Buffer, sid: Buffer, idling: number): Buffer {
  return finishHeader(keys, header.subarray(0, HEADER_TAG_SIZE), header.subarray(HEADER_TAG_SIZE, HEADER_TOUCH_SIZE), idling, sid)
}

/** Encrypts a payload: the ciphertext and its tag. */
export function seal({ key, iv }: CipherKey, plaintext: Buffer, aad: Buffer): { ciphertext: Buffer; tag: Buffer } {
  const c = createCipheriv('aes-256-gcm', key, iv)
  c.setAAD(aad)
  const ciphertext = Buffer.concat([c.update(plaintext), c.final()])
  return { ciphertext, tag: c.getAuthTag() }
}

/** Decrypts a payload; undefined when it does not authenticate. */
export function unseal({ key, iv }: CipherKey, ciphertext: Buffer, aad: Buffer, tag: Buffer): Buffer | undefined {
  try {
    const d = createDecipheriv('aes-256-gcm', key, iv)
    d.setAAD(aad)
    d.setAuthTag(tag)
    return Buffer.concat([d.update(ciphertext), d.final()])
  } catch {
    return undefined
  }
}

/** base64url length of `size` bytes, unpadded (lua-resty-session's base64_size). */
export const base64Size = (size: number): number => Math.ceil((4 * size) / 3)

/**
 * How many cookies a payload of `dataSize` base64 chars takes under a name of
 * `nameSize` chars: one while it fits in 4 KiB, then chunks named <name>2, ...
 * (each adding its name and a digit), at most nine. Undefined past that.
 */
export function cookieChunks(nameSize: number, dataSize: number): number | undefined {
  let needed = nameSize + 1 + HEADER_ENCODED_SIZE + dataSize
  if (needed > MAX_COOKIES_SIZE) return undefined
  if (needed <= MAX_COOKIE_SIZE) return 1
  for (let i = 2; i <= MAX_COOKIES; i++) {
    needed += nameSize + 2
    if (needed > MAX_COOKIES_SIZE) return undefined
    if (needed <= MAX_COOKIE_SIZE * i) return i
  }
  return undefined
}
