/**
 * Base64 decoding with nginx's rules (`ngx.decode_base64`), which Kong's auth
 * plugins rely on: only the standard alphabet is accepted up to the first `=`,
 * anything after it is ignored, and a length of 4n+1 characters is an error.
 */
const ALPHABET = /^[A-Za-z0-9+/]*$/

/** The decoded bytes, or undefined where nginx would answer nil. */
export function decodeBase64(text: string): Buffer | undefined {
  const end = text.indexOf('=')
  const data = end === -1 ? text : text.slice(0, end)
  if (!ALPHABET.test(data) || data.length % 4 === 1) return undefined
  return Buffer.from(data, 'base64')
}
