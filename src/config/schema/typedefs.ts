/**
 * Shared field types for every entity and plugin schema (Kong's typedefs.lua).
 * Each helper carries Kong's exact error wording so a user migrating from Kong
 * reads the messages they already know.
 */
import * as z from 'zod'
import { resolveReference, isReference } from '../vault.js'

/** Kong's range message, used by every bounded integer. */
export function between(min: number, max: number): string {
  return `value should be between ${min} and ${max}`
}

/** An integer in [min, max], with Kong's messages for both the type and the range. */
export function integer(min: number, max: number) {
  return z
    .number({ error: (iss) => (iss.input === undefined ? undefined : 'expected an integer') })
    .int({ error: 'expected an integer' })
    .min(min, { error: between(min, max) })
    .max(max, { error: between(min, max) })
}

/** A number (not necessarily an integer) in [min, max]. */
export function number(min: number, max: number) {
  return z
    .number()
    .min(min, { error: between(min, max) })
    .max(max, { error: between(min, max) })
}

/** One of a closed list of strings, with Kong's `expected one of:` message. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: (iss) => (iss.input === undefined ? undefined : `expected one of: ${values.join(', ')}`) })
}

/** One of a closed list of integers (Kong's `one_of` on integer fields). */
export function oneOfInt(values: readonly number[]) {
  return z
    .number({ error: (iss) => (iss.input === undefined ? undefined : 'expected an integer') })
    .int({ error: 'expected an integer' })
    .refine((v) => values.includes(v), { error: `expected one of: ${values.join(', ')}` })
}

export const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

export const uuid = z
  .string()
  .regex(UUID_RE, { error: 'expected a valid UUID' })
  .describe('A UUID. Derived deterministically from the entity when omitted, as Kong does.')

// utf8_name: ASCII limited to alphanumerics and . - _ ~ ; any non-ASCII UTF-8 is allowed.
// eslint-disable-next-line no-control-regex -- \x00-\x7f is the ASCII range, on purpose
const UTF8_NAME_RE = /^(?:[A-Za-z0-9._~-]|[^\x00-\x7f])+$/u

export function utf8Name(description: string) {
  return (
    z
      .string()
      .min(1, { error: 'length must be at least 1' })
      // An empty name is only too short, as Kong reports it.
      .refine((v) => v === '' || UTF8_NAME_RE.test(v), {
        error: (iss) => `invalid value '${String(iss.input)}': the only accepted ascii characters are alphanumerics or ., -, _, and ~`,
      })
      .describe(description)
  )
}

// A tag: the space and printable ASCII except ',' and '/', or any UTF-8 text (Kong's
// pattern starts at the space: `[ \033-\043\045\046\048-\126\128-\244]`).
// eslint-disable-next-line no-control-regex -- \x00-\x7f is the ASCII range, on purpose
const TAG_RE = /^(?:[\x20-\x2b\x2d\x2e\x30-\x7e]|[^\x00-\x7f])+$/u

export const tags = z
  .array(
    z.string().refine((v) => TAG_RE.test(v), {
      error: (iss) => `invalid tag '${String(iss.input)}': expected printable ascii (except \`,\` and \`/\`) or valid utf-8 sequences`,
    }),
  )
  .describe('Free-form tags for grouping and filtering. They have no effect on proxying.')

export const protocolNames = ['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls', 'tls_passthrough', 'udp'] as const
export type Protocol = (typeof protocolNames)[number]

export const port = integer(0, 65535)

/** Milliseconds for connect/read/write timeouts. */
export const timeoutMs = integer(1, 2147483646)

const IPV4_RE = /^(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}$/
const IPV6_CHARS_RE = /^[0-9A-Fa-f:.]+$/

export function isIPv4(v: string): boolean {
  return IPV4_RE.test(v)
}

export function isIPv6(v: string): boolean {
  if (!v.includes(':') || !IPV6_CHARS_RE.test(v)) return false
  const double = v.split('::').length - 1
  if (double > 1) return false
  const groups = v.split(':').filter((g) => g !== '')
  const last = groups[groups.length - 1] ?? ''
  const hasV4 = last.includes('.')
  if (hasV4 && !isIPv4(last)) return false
  const count = groups.length + (hasV4 ? 1 : 0)
  if (groups.some((g) => !g.includes('.') && !/^[0-9A-Fa-f]{1,4}$/.test(g))) return false
  return double === 1 ? count < 8 : count === 8
}

/**
 * Kong's check_hostname (kong/tools/ip.lua): letters, digits, '-', '.' and '_'
 * (docker-compose names carry '_'); no label ends with '-'; only the last label
 * may be empty (a trailing dot). No length limits, as in Kong. A name made only
 * of digits and dots is an IPv4 address to Kong (hostname_type), never a name.
 */
export function isHostname(v: string): boolean {
  if (!HOSTNAME_CHARS_RE.test(v) || DIGITS_AND_DOTS_RE.test(v)) return false
  const labels = v.split('.')
  return labels.every((l, i) => !l.endsWith('-') && (l !== '' || i === labels.length - 1))
}

const HOSTNAME_CHARS_RE = /^[A-Za-z0-9._-]+$/
const DIGITS_AND_DOTS_RE = /^[\d.]+$/

/**
 * Kong's normalize_ip, for its messages: the address is typed as Kong types it
 * (more than one ':' is IPv6, only digits and dots IPv4, else a name) and
 * checked as that type, with an optional port. Returns the error Kong gives,
 * or the port (undefined when none).
 */
export function checkAddress(address: string): { error: string } | { port: number | undefined } {
  const colons = address.split(':').length - 1
  if (colons > 1) {
    const m = /^\[([^\]]*)\](.*)$/.exec(address)
    const ip = m ? m[1]! : address
    let port: number | undefined
    if (m && m[2] !== '') {
      const p = /^:(\d*)$/.exec(m[2]!)
      if (!p) return { error: 'invalid ipv6 address' }
      port = Number(p[1])
      if (port > 65535) return { error: 'invalid port number' }
    }
    return isIPv6(ip) ? { port } : { error: `invalid ipv6 address: ${address}` }
  }
  const portMatch = /:(\d+)$/.exec(address)
  const name = portMatch ? address.slice(0, portMatch.index) : address
  const port = portMatch ? Number(portMatch[1]) : undefined
  if (DIGITS_AND_DOTS_RE.test(address.replace(':', ''))) {
    if (!/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name) || name.split('.').some((o) => Number(o) > 255) || (colons === 1 && !portMatch)) {
      return { error: `invalid ipv4 address: ${address}` }
    }
  } else if (!portMatch || port! <= 65535) {
    if (!HOSTNAME_CHARS_RE.test(name)) return { error: `invalid hostname: ${address}` }
    const labels = name.split('.')
    if (!labels.every((l, i) => !l.endsWith('-') && (l !== '' || i === labels.length - 1))) return { error: `invalid hostname: ${address}` }
  }
  if (port !== undefined && port > 65535) return { error: 'invalid port number' }
  return { port }
}

/** A hostname or IP address without a port (service host). */
export const host = z.string().superRefine((v, ctx) => {
  const bare = v.startsWith('[') && v.endsWith(']') ? v.slice(1, -1) : v
  if (isIPv4(bare) || isIPv6(bare) || isHostname(bare)) return
  const m = /^(.+):(\d+)$/.exec(v)
  if (m && (isHostname(m[1]!) || isIPv4(m[1]!))) {
    ctx.addIssue({ code: 'custom', message: 'must not have a port' })
    return
  }
  ctx.addIssue({ code: 'custom', message: `invalid value: ${v}` })
})

/** A host with an optional port, as `host_header` takes it. */
export const hostWithOptionalPort = z.string().refine(
  (v) => {
    const m = /^(.+?)(?::(\d{1,5}))?$/.exec(v)
    if (!m) return false
    const h = m[1]!
    const bare = h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h
    return isHostname(bare) || isIPv4(bare) || isIPv6(bare)
  },
  { error: (iss) => `invalid value: ${String(iss.input)}` },
)

/**
 * What Kong's typedefs.url finds wrong with a url, read as luasocket's
 * url.parse reads it (fragment, then scheme, then `//authority`): no host,
 * then no scheme. Undefined when it has both.
 */
export function kongUrlProblem(url: string): 'missing host in url' | 'missing scheme in url' | undefined {
  let rest = url.replace(/\s/g, '').replace(/#[\s\S]*$/, '')
  const scheme = /^[A-Za-z0-9][A-Za-z0-9+.-]*:/.exec(rest)
  if (scheme) rest = rest.slice(scheme[0].length)
  const authority = /^\/\/([^/]*)/.exec(rest)?.[1]
  const host = authority?.replace(/^[^@]*@/, '').replace(/:[^:\]]*$/, '')
  if (!host) return 'missing host in url'
  if (!scheme) return 'missing scheme in url'
  return undefined
}

/** Kong's typedefs.url: a string with a scheme and a host, in Kong's words. */
export const kongUrl = (base: z.ZodString = z.string()) =>
  base.superRefine((v, ctx) => {
    const problem = kongUrlProblem(v)
    if (problem) ctx.addIssue({ code: 'custom', message: problem })
  })

/**
 * Kong's typedefs.url, and one this gateway can send to: http or https with a
 * host (the loggers' and tracers' endpoints). Kong's own messages first.
 */
export const httpUrl = (base: z.ZodString = z.string()) =>
  base.superRefine((v, ctx) => {
    const problem = kongUrlProblem(v)
    if (problem) return void ctx.addIssue({ code: 'custom', message: problem })
    let u: URL
    try {
      u = new URL(v)
    } catch {
      return void ctx.addIssue({ code: 'custom', message: /^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? 'missing host in url' : 'missing scheme in url' })
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      ctx.addIssue({ code: 'custom', message: `unsupported scheme '${u.protocol.slice(0, -1)}' in url: expected http or https` })
    else if (u.hostname === '') ctx.addIssue({ code: 'custom', message: 'missing host in url' })
  })

// RFC 3986 unreserved + reserved + '%'.
const RFC3986_RE = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*$/
const BAD_PERCENT_RE = /%(?![0-9A-Fa-f]{2})/

/** Checks shared by service paths and plain route paths; returns Kong's message or undefined. */
export function checkUrlPath(p: string): string | undefined {
  if (!RFC3986_RE.test(p)) return `invalid path: '${p}' (characters outside of the reserved list of RFC 3986 found)`
  const bad = BAD_PERCENT_RE.exec(p)
  if (bad) return `invalid url-encoded value: '${p.slice(bad.index, bad.index + 3)}'`
  if (p.includes('//')) return 'must not have empty segments'
  return undefined
}

/** A service path: starts with '/', RFC 3986 characters, no empty segments. */
export const servicePath = z.string().superRefine((v, ctx) => {
  if (!v.startsWith('/')) {
    ctx.addIssue({ code: 'custom', message: 'should start with: /' })
    return
  }
  const err = checkUrlPath(v)
  if (err) ctx.addIssue({ code: 'custom', message: err })
})

// Kong's header_name: letters, digits, '-' and '_'.
const HEADER_NAME_RE = /^[A-Za-z0-9_-]+$/

export const headerName = z.string().refine((v) => HEADER_NAME_RE.test(v), {
  error: (iss) => `bad header name '${String(iss.input)}', allowed characters are A-Z, a-z, 0-9, '_', and '-'`,
})

/**
 * Which kind of secret a schema's value is, for redaction (config/secrets/where.ts
 * reads these marks when it walks a plugin's config schema):
 * - `secret`: the whole value (Kong's `encrypted`/`referenceable` fields);
 * - `url`: a URL whose user info and query values are secret;
 * - `pairs`: a `name:value` entry whose value is secret when the name is a credential's (Authorization, apikey, ...);
 * - `named`: a map whose values are secret under a credential's name.
 */
export type SecretKind = 'secret' | 'url' | 'pairs' | 'named'

// Keyed by the schema and its definition: `.describe()` clones a schema but keeps its definition.
const SECRET_MARKS = new WeakMap<object, SecretKind>()

/** Marks `schema` as holding a secret of this kind; returns it. */
export function markSecret<T extends z.ZodType>(schema: T, kind: SecretKind = 'secret'): T {
  SECRET_MARKS.set(schema, kind)
  SECRET_MARKS.set(schema._zod.def, kind)
  return schema
}

export function secretMark(schema: z.ZodType): SecretKind | undefined {
  return SECRET_MARKS.get(schema) ?? SECRET_MARKS.get(schema._zod.def)
}

/**
 * A field that may hold a `{vault://...}` reference, resolved when the file is
 * loaded. Kong's referenceable fields are secrets (`kind`), except public ones
 * such as a certificate.
 */
export function referenceable<T extends z.ZodType<string, string>>(inner: T, description: string, kind: SecretKind | 'public' = 'secret') {
  const schema = z
    .string()
    .transform((v, ctx) => {
      if (!isReference(v)) return v
      const resolved = resolveReference(v)
      if (!resolved.ok) {
        ctx.addIssue({ code: 'custom', message: resolved.error })
        return z.NEVER
      }
      return resolved.value
    })
    .pipe(inner)
    .describe(`${description} May be a vault reference such as {vault://env/NAME}.`)
  return kind === 'public' ? schema : markSecret(schema, kind)
}

/** `_comment` and `_ignore` are accepted on every entity and ignored (Kong). */
export const metaFields = {
  _comment: z.string().optional().describe('A comment; ignored.'),
  _ignore: z.array(z.unknown()).optional().describe('Anything; ignored.'),
}

/** Any finite integer: Kong's `integer` type has no range of its own (a Lua number with no fraction). */
export const anyInteger = z
  .number({ error: (iss) => (iss.input === undefined ? undefined : 'expected an integer') })
  // Not zod's int(): it stops at 2^53-1, and Kong takes 2^53 (25-max_safe_integer_spec) and any whole double.
  .refine((v) => Number.isInteger(v), { error: 'expected an integer' })

/**
 * Kong's auto timestamps, as a Kong export or a decK dump writes them: accepted
 * and ignored (the gateway keeps no history). Seconds on most entities
 * (`auto_timestamp_s`); targets use milliseconds as a float (`auto_timestamp_ms`).
 */
const timestampS = anyInteger.optional().describe('Unix time in seconds, as Kong exports it; ignored.')
const timestampMs = z.number().optional().describe('Unix time in milliseconds, as Kong exports it; ignored.')

/** The fields every core entity accepts besides its own: meta keys and both timestamps. */
export const entityFields = { ...metaFields, created_at: timestampS, updated_at: timestampS }
/** Credentials (the auth plugins' daos) have `created_at` only. */
export const credentialFields = { ...metaFields, created_at: timestampS }
/** Targets keep millisecond timestamps. */
export const targetFields = { ...metaFields, created_at: timestampMs, updated_at: timestampMs }

/**
 * A foreign reference written at top level: the referenced entity's name
 * (or username, prefix, ...) or its id. decK's `{ id: ... }` / `{ name: ... }`
 * objects are accepted too.
 */
export const foreignRef = z
  .union(
    [
      z.string().min(1, { error: 'length must be at least 1' }),
      z.strictObject({
        id: z.string().optional().describe('The id of the referenced entity.'),
        name: z.string().optional().describe('The name of the referenced entity.'),
        username: z.string().optional().describe('The username of the referenced consumer.'),
      }),
    ],
    { error: 'expected a string' },
  )
  .describe('A reference to another entity by its name (username for consumers) or id.')

/**
 * Kong's `subschema_key` (routes by protocols, vaults and plugins by name):
 * when the key's value names no known subschema, Kong reports that alone on
 * the key and validates nothing further (kong/db/schema/init.lua,
 * Schema:validate). `known` says whether a value has one; a missing or
 * mistyped key is left to `inner`.
 */
export function bySubschema<T extends z.ZodType>(inner: T, key: string, known: (value: unknown) => boolean, message: (value: unknown) => string) {
  return z
    .unknown()
    .transform((v, c) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return v
      const k = (v as Record<string, unknown>)[key]
      if (k === undefined || known(k)) return v
      c.addIssue({ code: 'custom', path: [key], message: message(k) })
      return z.NEVER
    })
    .pipe(inner)
}

/**
 * When an entity-level check (a `superRefine` on an object) runs: whenever the
 * fields it reads are valid, as Kong runs an entity check unless one of its
 * own fields has an error (kong/db/schema/init.lua, run_entity_check). zod's
 * default skips it on any problem in the object, so a type error in one field
 * hid, say, a route's missing paths until it was fixed. An unknown field does
 * not stop it; the object not being an object does.
 */
export function whenValid(...fields: readonly string[]): { when: (payload: z.core.ParsePayload) => boolean } {
  const read = new Set(fields)
  return {
    when: ({ value, issues }) =>
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      issues.every((i) => (i.path === undefined || i.path.length === 0 ? i.code === 'unrecognized_keys' : !read.has(String(i.path[0])))),
  }
}
