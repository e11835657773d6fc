/** jwt (Kong PRIORITY 1450): HMAC, RSA, ECDSA, RSA-PSS and EdDSA signed JSON Web Tokens. */
import * as z from 'zod'
import { metaFields, number, oneOf, whenValid } from '../../config/schema/typedefs.js'

export const CLAIMS = ['exp', 'nbf'] as const

export const config = z
  .strictObject({
    uri_param_names: z.array(z.string()).default(['jwt']).describe('Query arguments that may carry the token.'),
    cookie_names: z.array(z.string()).default([]).describe('Cookies that may carry the token.'),
    key_claim_name: z.string().default('iss').describe('The claim (looked up in the payload, then in the JWT header) naming the credential `key`.'),
    secret_is_base64: z.boolean().default(false).describe('The credential secret (or public key) is base64-encoded and is decoded before use.'),
    claims_to_verify: z.array(oneOf(CLAIMS)).optional().describe('Registered claims to check: `exp` (not expired) and/or `nbf` (already valid).'),
    anonymous: z.string().optional().describe('Consumer (id or username) to use when authentication fails, instead of answering 401.'),
    run_on_preflight: z.boolean().default(true).describe('Authenticate CORS preflight (OPTIONS) requests too.'),
    maximum_expiration: number(0, 31536000)
      .default(0)
      .describe('When > 0, the largest number of seconds `exp` may lie in the future; requires `exp` in claims_to_verify.'),
    header_names: z.array(z.string()).default(['authorization']).describe('Headers that may carry the token as `Bearer <token>`.'),
    realm: z.string().optional().describe('Realm of the WWW-Authenticate header sent with a 401.'),
    ...metaFields,
  })
  .superRefine(
    (c, ctx) => {
      // Kong's conditional entity check: maximum_expiration > 0 needs exp verified.
      if (c.maximum_expiration > 0 && !(c.claims_to_verify ?? []).includes('exp')) {
        ctx.addIssue({ code: 'custom', path: ['claims_to_verify'], message: 'expected to contain: exp' })
      }
    },
    whenValid('maximum_expiration', 'claims_to_verify'),
  )

export type JwtConfig = z.infer<typeof config>
