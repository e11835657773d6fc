/**
 * gRPC-Web's text mode (`application/grpc-web-text`): the binary stream in
 * base64. A client may send it as several base64 runs back to back, each
 * padded on its own (a run per message, as browsers' grpc-web encoders
 * stream it): `AAAAAAYKBGhleWE=AAAAAAYKBGhleWE=`. Decoding takes run by run,
 * so padding inside the body is never an error.
 */
const RUN = /[A-Za-z0-9+/]*(?:={1,2}|$)/y

/** The decoded bytes, or undefined when the text is not base64 (Kong's ngx.decode_base64 nil). */
export function decodeTextBody(text: string): Buffer | undefined {
  const parts: Buffer[] = []
  let at = 0
  // Browsers may wrap long bodies; whitespace carries nothing.
  const s = /\s/.test(text) ? text.replace(/\s+/g, '') : text
  while (at < s.length) {
    RUN.lastIndex = at
    const m = RUN.exec(s)
    if (!m || m[0].length === 0) return undefined
    const run = m[0]
    const data = run.replace(/=+$/, '')
    // A run of 4n+1 characters holds a partial byte: not base64.
    if (data.length % 4 === 1) return undefined
    parts.push(Buffer.from(data, 'base64'))
    at += run.length
  }
  return Buffer.concat(parts)
}
