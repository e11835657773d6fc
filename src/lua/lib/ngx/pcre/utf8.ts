/**
 * UTF-8 over byte strings for the regex engine's UTF mode (the `u` option):
 * decoding one code point, stepping back one, and PCRE2's validity check with
 * its error numbers (PCRE2_ERROR_UTF8_ERR1..21 are -3..-23, and the texts
 * compile errors quote).
 */

/** Code point at byte offset `i` of a valid UTF-8 byte string (a lone bad byte reads as itself). */
export function decodeAt(s: string, i: number): number {
  const c = s.charCodeAt(i)
  if (c < 0x80) return c
  if (c < 0xe0) return ((c & 0x1f) << 6) | (s.charCodeAt(i + 1) & 0x3f)
  if (c < 0xf0) return ((c & 0x0f) << 12) | ((s.charCodeAt(i + 1) & 0x3f) << 6) | (s.charCodeAt(i + 2) & 0x3f)
  return ((c & 0x07) << 18) | ((s.charCodeAt(i + 1) & 0x3f) << 12) | ((s.charCodeAt(i + 2) & 0x3f) << 6) | (s.charCodeAt(i + 3) & 0x3f)
}

/** Length in bytes of the character starting with byte `c`. */
export function charLen(c: number): number {
  return c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4
}

/** The offset of the character before offset `i` (i > 0). */
export function prevChar(s: string, i: number): number {
  let j = i - 1
  while (j > 0 && (s.charCodeAt(j) & 0xc0) === 0x80) j--
  return j
}

/** A code point as UTF-8 bytes (a byte string). */
export function encodeUtf8(cp: number): string {
  if (cp < 0x80) return String.fromCharCode(cp)
  if (cp < 0x800) return String.fromCharCode(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f))
  if (cp < 0x10000) return String.fromCharCode(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f))
  return String.fromCharCode(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f))
}

export const UTF8_ERRORS = [
  '',
  '1 byte missing at end',
  '2 bytes missing at end',
  '3 bytes missing at end',
  '4 bytes missing at end',
  '5 bytes missing at end',
  'byte 2 top bits not 0x80',
  'byte 3 top bits not 0x80',
  'byte 4 top bits not 0x80',
  'byte 5 top bits not 0x80',
  'byte 6 top bits not 0x80',
  '5-byte character is not allowed (RFC 3629)',
  '6-byte character is not allowed (RFC 3629)',
  'code points greater than 0x10ffff are not defined',
  'code points 0xd800-0xdfff are not defined',
  'overlong 2-byte sequence',
  'overlong 3-byte sequence',
  'overlong 4-byte sequence',
  'overlong 5-byte sequence',
  'overlong 6-byte sequence',
  'isolated byte with 0x80 bit set',
  'illegal byte (0xfe or 0xff)',
]

/**
 * PCRE2's valid_utf: undefined when `s` is valid UTF-8, else the error
 * number n (1..21; the match error code is -(n + 2)) and the offset of the
 * character at fault.
 */
export function checkUtf8(s: string): { n: number; at: number } | undefined {
  const len = s.length
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0xc0) return { n: 20, at: i }
    if (c >= 0xfe) return { n: 21, at: i }
    const ab = c < 0xe0 ? 1 : c < 0xf0 ? 2 : c < 0xf8 ? 3 : c < 0xfc ? 4 : 5
    if (len - i - 1 < ab) return { n: ab - (len - i - 1), at: i }
    for (let k = 1; k <= ab; k++) if ((s.charCodeAt(i + k) & 0xc0) !== 0x80) return { n: 5 + k, at: i }
    const d = s.charCodeAt(i + 1)
    switch (ab) {
      case 1:
        if ((c & 0x3e) === 0) return { n: 15, at: i }
        break
      case 2:
        if (c === 0xe0 && (d & 0x20) === 0) return { n: 16, at: i }
        if (c === 0xed && d >= 0xa0) return { n: 14, at: i }
        break
      case 3:
        if (c === 0xf0 && (d & 0x30) === 0) return { n: 17, at: i }
        if (c > 0xf4 || (c === 0xf4 && d > 0x8f)) return { n: 13, at: i }
        break
      case 4:
        return { n: c === 0xf8 && (d & 0x38) === 0 ? 18 : 11, at: i }
      default:
        return { n: c === 0xfc && (d & 0x3c) === 0 ? 19 : 12, at: i }
    }
    i += ab
  }
  return undefined
}
