/**
 * Trace and span ids as the propagation module holds them (Kong's
 * kong/observability/tracing/propagation/utils.lua, in hex): lower-case hex
 * strings, a whole number of bytes. Kong's internal sizes are 16 bytes for a
 * trace id and 8 for a span id; each format converts to its own size on the
 * way out (shorter: left-padded with zero bytes; longer: the low bytes kept).
 */

/** The formats Kong knows (kong/observability/tracing/propagation/utils.lua FORMATS). */
export const FORMATS = ['w3c', 'b3', 'b3-single', 'jaeger', 'ot', 'datadog', 'aws', 'gcp', 'instana'] as const
export type Format = (typeof FORMATS)[number]
/** Formats an extractor exists for: b3 and b3-single share one (`b3`). */
export const EXTRACT_FORMATS = ['w3c', 'b3', 'jaeger', 'ot', 'datadog', 'aws', 'gcp', 'instana'] as const
export type ExtractFormat = (typeof EXTRACT_FORMATS)[number]

export const TRACE_ID_BYTES = 16
export const SPAN_ID_BYTES = 8

/** Hex digits to whole bytes: an odd count gets a leading 0 (Kong's from_hex); lower-cased. */
export function evenHex(hex: string): string {
  const h = hex.toLowerCase()
  return h.length % 2 === 0 ? h : `0${h}`
}

/** An id resized to `bytes`: left-padded with zero bytes, or its last bytes kept (Kong's to_id_size). */
export function toIdSize(hex: string, bytes: number): string
export function toIdSize(hex: string | undefined, bytes: number): string | undefined
export function toIdSize(hex: string | undefined, bytes: number): string | undefined {
  if (hex === undefined) return undefined
  const want = bytes * 2
  if (hex.length > want) return hex.slice(-want)
  if (hex.length < want) return '0'.repeat(want - hex.length) + hex
  return hex
}

/** A decimal string (any size) to its big-endian bytes in hex, shortest form (OpenSSL's BN to_binary). */
export function decToHex(dec: string): string {
  const n = BigInt(dec)
  return n === 0n ? '' : evenHex(n.toString(16))
}

/** Bytes in hex to the unsigned decimal they encode (OpenSSL's BN to_dec). */
export function hexToDec(hex: string): string {
  return hex === '' ? '0' : BigInt(`0x${hex}`).toString()
}

/** A fresh random id of `bytes` bytes, never all zero (an all-zero id is invalid in W3C and Jaeger). */
export function randomId(bytes: number, random: (n: number) => Buffer): string {
  for (;;) {
    const b = random(bytes)
    if (b.some((x) => x !== 0)) return b.toString('hex')
  }
}

// ngx.escape_uri / ngx.unescape_uri over a header's bytes (latin1 in Node): only
// A-Z a-z 0-9 - . _ ~ stay as they are; malformed escapes are left alone.
const UNRESERVED = /[A-Za-z0-9\-._~]/

export function escapeUri(value: string): string {
  let out = ''
  for (const byte of Buffer.from(value, 'latin1')) {
    const c = String.fromCharCode(byte)
    out += UNRESERVED.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

export function unescapeUri(value: string): string {
  return value.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
}
