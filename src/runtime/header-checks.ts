/**
 * Checks on what plugins set (headers on the upstream request and on the
 * response, and their exits), made where it is set: a header name that is not
 * an HTTP token, a value with CR, LF or another control character, or a status
 * Node cannot write is the plugin's error, thrown inside its phase, so the
 * phase fails with Kong's 500 and the plugin's name in the log. Unchecked, Node
 * refuses the header later, while writing the answer, where nobody catches it
 * (the process exits) or after the connection was half used.
 *
 * The rules are node:http's own (undici applies the same ones), so what passes
 * here is what Node and undici will write. Messages name the header, never its
 * value: a value may be a credential.
 */
import { validateHeaderName, validateHeaderValue } from 'node:http'
import type { Exit } from '../plugins/types.js'

/** A header or status a plugin set that cannot go on the wire. */
export class InvalidHeader extends Error {}

/** Throws InvalidHeader when `name` or a value cannot be written. */
export function checkHeader(name: string, value: string | readonly string[] | number): void {
  try {
    validateHeaderName(name)
  } catch {
    throw new InvalidHeader(`invalid header name ${JSON.stringify(name)}`)
  }
  if (typeof value === 'object') {
    for (const v of value) checkValue(name, v)
  } else checkValue(name, value)
}

function checkValue(name: string, v: unknown): void {
  if (typeof v !== 'string' && typeof v !== 'number') throw new InvalidHeader(`invalid value for header "${name}": got ${typeof v}`)
  try {
    validateHeaderValue(name, String(v))
  } catch {
    throw new InvalidHeader(`invalid character in the value of header "${name}"`)
  }
}

/**
 * An exit as it may be sent: its status is a whole number in 100-599 (Kong's
 * kong.response.exit refuses others) and its headers pass checkHeader. Kong
 * ignores a Transfer-Encoding an exit sets (the body's length is known), so it
 * is left out here; `dropped` hears about it, for the plugin's log.
 */
export function checkExit(e: Exit, dropped?: (name: string) => void): Exit {
  if (!Number.isInteger(e.status) || e.status < 100 || e.status > 599) throw new InvalidHeader(`invalid exit status ${String(e.status)}: expected 100-599`)
  const headers = e.headers
  if (headers === undefined) return e
  let te: string | undefined
  for (const name in headers) {
    checkHeader(name, headers[name]!)
    if (name.toLowerCase() === 'transfer-encoding') te = name
  }
  if (te === undefined) return e
  dropped?.(te)
  const rest = { ...headers }
  delete rest[te]
  return { ...e, headers: rest }
}

/** Response headers Kong never lets a plugin set: the body's framing is the gateway's. */
export function ignoredResponseHeader(lowerName: string): boolean {
  return lowerName === 'transfer-encoding'
}
