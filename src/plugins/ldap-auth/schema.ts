/** ldap-auth (Kong PRIORITY 1200): username and password checked by a simple bind to an LDAP server. */
import * as z from 'zod'
import { host, metaFields, port, whenValid } from '../../config/schema/typedefs.js'

export const config = z
  .strictObject({
    ldap_host: host.describe('Host name or IP address of the LDAP server.'),
    ldap_port: port.default(389).describe('TCP port of the LDAP server (636 is the usual one for LDAPS).'),
    ldaps: z.boolean().default(false).describe('Connect with TLS from the start (LDAPS). Cannot be combined with `start_tls`.'),
    start_tls: z
      .boolean()
      .default(false)
      .describe('Upgrade the plain connection with the StartTLS extended operation before binding. Cannot be combined with `ldaps`.'),
    verify_ldap_host: z
      .boolean()
      .default(false)
      .describe(
        "Check the LDAP server's certificate (chain and name) when `ldaps` or `start_tls` is on; the CAs are Node's (system store plus NODE_EXTRA_CA_CERTS).",
      ),
    base_dn: z.string().describe('Base DN users are found under; the bind DN is `<attribute>=<username>,<base_dn>`, e.g. dc=example,dc=com.'),
    attribute: z.string().describe('Attribute that names a user in the bind DN, e.g. uid or cn.'),
    cache_ttl: z
      .number()
      .default(60)
      .describe('Seconds a bind outcome (success or refusal) is remembered for the same username and password; 0 keeps it until evicted.'),
    hide_credentials: z.boolean().default(false).describe('Remove the Authorization and Proxy-Authorization headers before proxying an authenticated request.'),
    timeout: z.number().default(10000).describe('Milliseconds to wait for each step with the LDAP server: connecting, the TLS handshake, each answer.'),
    keepalive: z.number().default(60000).describe('Milliseconds an idle connection to the LDAP server is kept for reuse; 0 keeps it until the pool is full.'),
    anonymous: z.string().optional().describe('Consumer (id or username) to use when authentication fails, instead of answering 401.'),
    header_type: z
      .string()
      .default('ldap')
      .describe(
        'Scheme expected before the base64 credentials in the Authorization header (`ldap <base64(user:password)>`); also the WWW-Authenticate scheme.',
      ),
    realm: z.string().optional().describe('Realm of the WWW-Authenticate header sent with a 401.'),
    ...metaFields,
  })
  // Kong's conditional entity check on config.
  .superRefine(
    (c, ctx) => {
      if (c.ldaps && c.start_tls) ctx.addIssue({ code: 'custom', message: "'ldaps' and 'start_tls' cannot be enabled simultaneously" })
    },
    whenValid('ldaps', 'start_tls'),
  )

export type LdapAuthConfig = z.infer<typeof config>
