/** The service entity (Kong: kong/db/schema/entities/services.lua). */
import * as z from 'zod'
import type { PluginRegistry } from '../../plugins/registry.js'
import type { SchemaContext } from './context.js'
import { pluginSchema } from './plugin.js'
import { routeSchema } from './route.js'
import { certificateRef } from './tls.js'
import { host, integer, entityFields, oneOf, port, protocolNames, servicePath, tags, timeoutMs, utf8Name, uuid, whenValid } from './typedefs.js'

const TLS_ONLY_FIELDS = ['client_certificate', 'tls_verify', 'tls_verify_depth', 'ca_certificates'] as const
const NO_PATH_PROTOCOLS = new Set(['tcp', 'tls', 'tls_passthrough', 'udp', 'grpc', 'grpcs'])

/**
 * Splits the `url` shorthand into protocol, host, port and path, as Kong's
 * (luasocket's url.parse): the url overrides those fields; a missing port is
 * 443 for `https` and 80 for every other scheme (Kong's, so `grpcs://h` and
 * `tls://h` mean port 80 there and here); the scheme is kept as written (Kong
 * refuses `HTTPS`). A url without `//` has no host: `example.com` is a path,
 * `h:8080` the scheme `h`, each reported as Kong reports them.
 */
export function expandServiceUrl(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw
  const svc = raw as Record<string, unknown>
  if (typeof svc.url !== 'string') return raw
  const m = /^([A-Za-z0-9][A-Za-z0-9+.-]*):\/\/(\[[^\]]*\]|[^/?#:]*)(?::([^/?#]*))?([^?#]*)/.exec(svc.url)
  const out: Record<string, unknown> = { ...svc }
  delete out.url
  if (!m) {
    // No authority: Kong's shorthand sets host to null (`required field missing`)
    // and what is left after an optional `scheme:` is the path.
    const bare = /^(?:([A-Za-z0-9][A-Za-z0-9+.-]*):)?([^?#]*)/.exec(svc.url)!
    delete out.host
    if (bare[1] !== undefined) out.protocol = bare[1]
    out.port = defaultPort((out.protocol as string | undefined) ?? 'http')
    if (bare[2]) out.path = bare[2]
    else delete out.path
    return out
  }
  const protocol = m[1]!
  out.protocol = protocol
  // No host in the url: Kong's shorthand sets host to null, which is `required field missing`.
  if (m[2] !== '') out.host = m[2]!
  else delete out.host
  out.port = m[3] !== undefined && m[3] !== '' ? (/^\d+$/.test(m[3]) ? Number(m[3]) : m[3]) : defaultPort(protocol)
  if (m[4]) out.path = m[4]
  else delete out.path
  return out
}

/** Kong's port for a url without one (services.lua): 443 for https, else 80. */
const defaultPort = (protocol: string): number => (protocol === 'https' ? 443 : 80)

export function serviceSchema(ctx: SchemaContext, registry: PluginRegistry) {
  const child: SchemaContext = { mode: ctx.mode, parent: 'services' }
  const shape = {
    id: uuid.optional(),
    name: utf8Name('The service name; routes and plugins refer to it.').optional(),
    protocol: oneOf(protocolNames).default('http').describe('The protocol used to reach the upstream.'),
    host: host.describe('The upstream host: a hostname, an IP address, or the name of an upstream entity (then load-balanced).'),
    port: port.default(80).describe('The upstream port.'),
    path: servicePath.optional().describe('The path prefix used in requests to the upstream.'),
    retries: integer(0, 32767).default(5).describe('How many times to retry a failed connection.'),
    connect_timeout: timeoutMs.default(60000).describe('Milliseconds to establish a connection to the upstream.'),
    write_timeout: timeoutMs.default(60000).describe('Milliseconds between two successive writes to the upstream.'),
    read_timeout: timeoutMs.default(60000).describe('Milliseconds between two successive reads from the upstream.'),
    tags: tags.optional(),
    client_certificate: certificateRef(ctx, 'Certificate (id) presented to the upstream as a TLS client certificate; https/tls only.'),
    tls_verify: z.boolean().optional().describe("Whether to verify the upstream's TLS certificate; https/tls only."),
    tls_verify_depth: integer(0, 64).optional().describe('Maximum depth of the certificate chain checked; https/tls only.'),
    ca_certificates: z.array(uuid).optional().describe('ids of CA certificates trusted for the upstream; https/tls only.'),
    enabled: z.boolean().default(true).describe('A disabled service is not routed to: its routes answer 404.'),
    routes: z.array(routeSchema(child, registry)).optional().describe('Routes of this service (nested form).'),
    plugins: z.array(pluginSchema(child, registry)).optional().describe('Plugins scoped to this service (nested form).'),
    ...entityFields,
  }
  if (ctx.mode === 'document') {
    return z
      .strictObject({
        ...shape,
        url: z.string().optional().describe('Shorthand for protocol, host, port and path at once; overrides them.'),
        host: shape.host.optional(),
      })
      .meta({ title: 'Service' })
  }
  const object = z.strictObject(shape).superRefine(
    (s, ctx) => {
      if (s.path !== undefined && NO_PATH_PROTOCOLS.has(s.protocol)) {
        ctx.addIssue({ code: 'custom', path: ['path'], message: 'value must be null' })
        ctx.addIssue({ code: 'custom', path: [], message: "failed conditional validation given value of field 'protocol'" })
      }
      if (s.protocol !== 'https' && s.protocol !== 'tls') {
        for (const f of TLS_ONLY_FIELDS) {
          if (s[f] !== undefined) {
            ctx.addIssue({ code: 'custom', path: [f], message: 'value must be null' })
            ctx.addIssue({ code: 'custom', path: [], message: "failed conditional validation given value of field 'protocol'" })
          }
        }
      }
    },
    whenValid('path', 'protocol', ...TLS_ONLY_FIELDS),
  )
  return z.preprocess(expandServiceUrl, object)
}
