/** oauth2 (Kong PRIORITY 1400): OAuth 2.0 bearer tokens, and the /oauth2/authorize and /oauth2/token endpoints. */
import { randomBytes } from 'node:crypto'
import * as z from 'zod'
import { integer, markSecret, metaFields, oneOf, whenValid } from '../../config/schema/typedefs.js'

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/**
 * Kong generates a provision key when the plugin is written. A DB-less node
 * writes the plugin on every load, so an omitted key is a fresh random one
 * each time: nobody knows it, and the flows that need it (authorize,
 * password, client credentials naming a user) always answer
 * invalid_provision_key. Never derived from anything guessable.
 */
function provisionKey(): string {
  const bytes = randomBytes(32)
  let s = ''
  for (const b of bytes) s += ALNUM[b % ALNUM.length]
  return s
}

const FLOWS = ['enable_authorization_code', 'enable_implicit_grant', 'enable_client_credentials', 'enable_password_grant'] as const

export const config = z
  .strictObject({
    scopes: z.array(z.string()).optional().describe('Scope names the end user may be granted; required when mandatory_scope is true.'),
    mandatory_scope: z.boolean().default(false).describe('Require at least one scope to be granted.'),
    provision_key: markSecret(z.string())
      .optional()
      .describe('The key your authorization server sends to the authorize and token endpoints. Random (and so unknown) when omitted.'),
    token_expiration: z.number().default(7200).describe('Seconds an issued token lasts; 0 never expires.'),
    enable_authorization_code: z.boolean().default(false).describe('Enable the Authorization Code flow (RFC 6749 4.1).'),
    enable_implicit_grant: z.boolean().default(false).describe('Enable the Implicit Grant flow (RFC 6749 4.2).'),
    enable_client_credentials: z.boolean().default(false).describe('Enable the Client Credentials flow (RFC 6749 4.4).'),
    enable_password_grant: z.boolean().default(false).describe('Enable the Resource Owner Password Credentials flow (RFC 6749 4.3).'),
    hide_credentials: z.boolean().default(false).describe('Remove the access token from the request before proxying.'),
    accept_http_if_already_terminated: z
      .boolean()
      .default(false)
      .describe('Treat a plain-HTTP request from a trusted IP with X-Forwarded-Proto: https as HTTPS at the endpoints.'),
    anonymous: z.string().optional().describe('Consumer (id or username) to use when authentication fails, instead of answering 401.'),
    global_credentials: z.boolean().default(false).describe('Accept tokens issued without a service (global tokens), from any plugin that also sets this.'),
    auth_header_name: z.string().default('authorization').describe('The header that carries the access token.'),
    refresh_token_ttl: integer(0, 100000000).default(1209600).describe('Seconds a refresh token lives; 0 never expires.'),
    reuse_refresh_token: z.boolean().default(false).describe('Keep the refresh token when refreshing an access token.'),
    pkce: oneOf(['none', 'lax', 'strict'])
      .default('lax')
      .describe('How Proof Key for Code Exchange is required: none, lax (public clients) or strict (all clients).'),
    realm: z.string().optional().describe('Realm of the WWW-Authenticate header sent with a 401.'),
    ...metaFields,
  })
  .superRefine(
    (c, ctx) => {
      // Kong's entity check: mandatory_scope requires scopes.
      if (c.mandatory_scope && c.scopes === undefined) ctx.addIssue({ code: 'custom', path: ['scopes'], message: 'required field missing' })
    },
    whenValid('mandatory_scope', 'scopes'),
  )
  .superRefine(
    (c, ctx) => {
      // Kong's custom_validator on the config record.
      if (!FLOWS.some((f) => c[f])) ctx.addIssue({ code: 'custom', message: `at least one of these fields must be true: ${FLOWS.join(', ')}` })
    },
    whenValid(...FLOWS),
  )
  // Filled after validation, not as a zod default: the published JSON Schema must not carry a random value.
  .transform((c) => ({ ...c, provision_key: c.provision_key ?? provisionKey() }))

export type OAuth2Config = z.infer<typeof config>
