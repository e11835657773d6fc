/**
 * Checks zod runs in code (refinements) that the JSON Schema can still say as
 * a pattern, so an editor flags what `gateway validate` refuses. Patterns are
 * no stricter than the loader: a label has no length bound here, and IPv6 is
 * only recognised by its characters. Found by the zod definition they refine,
 * as `.describe()` and `.optional()` keep it.
 */
import type * as z from 'zod'
import { routeHost, wildcardHost } from '../../config/schema/route.js'
import { host, protocolNames } from '../../config/schema/typedefs.js'

const LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?'
const HOSTNAME = `${LABEL}(?:\\.${LABEL})*\\.?`
const IPV6 = '[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*'
const PORT = '(?::[0-9]{1,5})?'

/** A service host: hostname, IPv4 or IPv6 (bracketed or not), no port. */
export const HOST_PATTERN = `^(?:${HOSTNAME}|${IPV6}|\\[${IPV6}\\])$`
/** A route host: a hostname with at most one `*` as its leftmost or rightmost label, or a bracketed IPv6; optional port. */
export const ROUTE_HOST_PATTERN = `^(?:\\*\\.${HOSTNAME}|${HOSTNAME}(?:\\.\\*)?|\\[${IPV6}\\])${PORT}$`

/**
 * A service `url`: the loader splits it into protocol, host, port and path and
 * checks those, so the scheme is a protocol (as written: Kong does not
 * lower-case it), the host a host and the port digits.
 */
export const SERVICE_URL_PATTERN = `^(?:${protocolNames.join('|')})://(?:${HOSTNAME}|\\[${IPV6}\\])(?::[0-9]+)?(?:[/?#]|$)`

const PATTERNS = new Map<unknown, string>([
  [host._zod.def, HOST_PATTERN],
  [wildcardHost._zod.def, ROUTE_HOST_PATTERN],
  [routeHost._zod.def, ROUTE_HOST_PATTERN],
])

/** zod's `override` hook: adds the pattern of a refined string it knows. */
export function addPatterns(ctx: { zodSchema: z.core.$ZodTypes; jsonSchema: Record<string, unknown> }): void {
  const pattern = PATTERNS.get(ctx.zodSchema._zod.def)
  if (pattern !== undefined && ctx.jsonSchema.type === 'string') ctx.jsonSchema.pattern = pattern
}
