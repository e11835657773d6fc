/**
 * ldap-auth's credentials: `<header_type> <base64(username:password)>` in an
 * Authorization or Proxy-Authorization value, read with Kong's rules.
 */
import { decodeBase64 } from '../shared/base64.js'

export interface Given {
  /** For the bind DN: the bytes read as UTF-8. */
  username: string
  password: string
  /** The username's bytes as they came (one char per byte), for X-Credential-Identifier as Kong sends it. */
  identifier: string
}

/** Escapes a literal for a RegExp. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')
}

// Kong matches PCRE without flags: `.` stops at a newline and `$` also matches
// before a final one. The username is everything up to the first colon, the
// password (never empty) the rest, colons included.
// PCRE's \s: narrower than JavaScript's, which also takes NBSP and Unicode spaces.
const PCRE_SPACE = '[ \\t\\n\\v\\f\\r]'

const PARTS_RE = /^(.*?):(.+)\n?$/

/**
 * The reader for one header_type: the scheme is matched case-insensitively at
 * the start of the value, after optional spaces, and must be followed by
 * whitespace. Kong splices header_type into its pattern unescaped; here it is a
 * literal, so a header_type with pattern characters means itself.
 */
export function credentialReader(headerType: string): (value: string | undefined) => Given | undefined {
  const scheme = new RegExp(`^${PCRE_SPACE}*${literal(headerType.toLowerCase())}${PCRE_SPACE}+`)
  return (value) => {
    if (value === undefined) return undefined
    const found = scheme.exec(value.toLowerCase())
    if (!found) return undefined
    // Lower-casing keeps lengths for the ASCII a scheme is made of, so the offset holds.
    const decoded = decodeBase64(value.slice(found[0].length))
    if (!decoded) return undefined
    // Byte per char, as Kong's regex sees bytes; back to UTF-8 for the bind.
    const parts = PARTS_RE.exec(decoded.toString('latin1'))
    if (!parts) return undefined
    return {
      username: Buffer.from(parts[1]!, 'latin1').toString('utf8'),
      password: Buffer.from(parts[2]!, 'latin1').toString('utf8'),
      identifier: parts[1]!,
    }
  }
}
