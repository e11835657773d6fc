/**
 * The server name of a TLS ClientHello, read without terminating (nginx's
 * ssl_preread, which Kong's TLS stream listeners run before routing). Only the
 * bytes already received are looked at; the caller puts them back on the
 * socket, so what is proxied afterwards is the client's stream untouched.
 *
 * Bounded: the hello may span several TLS records, but the handshake message
 * is read up to MAX_HELLO bytes; past that, or on anything that is not a TLS
 * handshake, the answer is "not TLS" (no server name), as ssl_preread leaves
 * $ssl_preread_server_name empty.
 */

/** The largest ClientHello read (a handshake message's length field allows 16 MiB). */
export const MAX_HELLO = 16 * 1024

const HANDSHAKE = 0x16
const CLIENT_HELLO = 0x01
const SERVER_NAME = 0x0000
const HOST_NAME = 0x00

/** `more`: the hello is not complete yet; otherwise whether it was TLS and the name it asked for. */
export type HelloResult = { kind: 'more' } | { kind: 'done'; tls: boolean; sni: string | undefined }

const NOT_TLS: HelloResult = { kind: 'done', tls: false, sni: undefined }
const MORE: HelloResult = { kind: 'more' }

/** Reads the ClientHello at the start of `data` (everything received so far). */
export function readClientHello(data: Buffer): HelloResult {
  // Reassemble the handshake message from consecutive handshake records.
  const parts: Buffer[] = []
  let have = 0
  let need = -1
  let at = 0
  while (need < 0 || have < need) {
    if (data.length < at + 5) return data.length > MAX_HELLO + 5 ? NOT_TLS : MORE
    if (data[at] !== HANDSHAKE || data[at + 1] !== 0x03) return NOT_TLS
    const len = data.readUInt16BE(at + 3)
    if (len === 0) return NOT_TLS
    if (data.length < at + 5 + len) return at + 5 + len > MAX_HELLO + 5 * 8 ? NOT_TLS : MORE
    parts.push(data.subarray(at + 5, at + 5 + len))
    have += len
    at += 5 + len
    if (need < 0 && have >= 4) {
      const head = parts.length === 1 ? parts[0]! : Buffer.concat(parts)
      if (head[0] !== CLIENT_HELLO) return NOT_TLS
      need = 4 + head.readUIntBE(1, 3)
      if (need > MAX_HELLO) return NOT_TLS
    }
  }
  const msg = (parts.length === 1 ? parts[0]! : Buffer.concat(parts)).subarray(4, need)
  return { kind: 'done', tls: true, sni: serverName(msg) }
}

/** The host_name entry of the server_name extension (RFC 6066 3), or undefined; every length is checked. */
function serverName(hello: Buffer): string | undefined {
  let p = 2 + 32 // client_version, random
  if (p + 1 > hello.length) return undefined
  p += 1 + hello[p]! // session_id
  if (p + 2 > hello.length) return undefined
  p += 2 + hello.readUInt16BE(p) // cipher_suites
  if (p + 1 > hello.length) return undefined
  p += 1 + hello[p]! // compression_methods
  if (p + 2 > hello.length) return undefined
  const end = Math.min(hello.length, p + 2 + hello.readUInt16BE(p))
  p += 2
  while (p + 4 <= end) {
    const type = hello.readUInt16BE(p)
    const len = hello.readUInt16BE(p + 2)
    p += 4
    if (p + len > end) return undefined
    if (type === SERVER_NAME && len >= 2) {
      const listEnd = Math.min(p + len, p + 2 + hello.readUInt16BE(p))
      let q = p + 2
      while (q + 3 <= listEnd) {
        const kind = hello[q]!
        const n = hello.readUInt16BE(q + 1)
        q += 3
        if (q + n > listEnd) return undefined
        if (kind === HOST_NAME) {
          const name = hello.toString('latin1', q, q + n)
          // A name with bytes outside printable ASCII is no host name.
          return /^[\x21-\x7e]+$/.test(name) ? name.toLowerCase() : undefined
        }
        q += n
      }
      return undefined
    }
    p += len
  }
  return undefined
}
