/**
 * The oauth2 plugin's entities (Kong: kong/plugins/oauth2/daos.lua): client
 * applications (`oauth2_credentials`), access tokens (`oauth2_tokens`) and
 * authorization codes (`oauth2_authorization_codes`). Kong's declarative schema
 * takes all three, at top level or nested in their parent; a DB-less node can
 * only read them, so tokens and codes exist only when the file declares them.
 */
import * as z from 'zod'
import type { SchemaContext } from './context.js'
import { anyInteger, credentialFields, foreignRef, integer, markSecret, oneOf, tags, uuid } from './typedefs.js'

/**
 * Kong checks each redirect URI with LuaSocket's url.parse: it must have a
 * scheme and a host, and no fragment (`#`, even an empty one).
 */
export function redirectUriProblem(uri: string): string | undefined {
  let s = uri
  const hash = s.indexOf('#')
  const fragment = hash !== -1
  if (fragment) s = s.slice(0, hash)
  const scheme = /^[A-Za-z0-9][A-Za-z0-9+\-.]*:/.exec(s)
  if (!scheme) return `cannot parse '${uri}'`
  const authority = /^\/\/([^/?;]*)/.exec(s.slice(scheme[0].length))
  if (!authority) return `cannot parse '${uri}'`
  const host = authority[1]!.replace(/^[^@]*@/, '').replace(/:[^:\]]*$/, '')
  if (host === '') return `cannot parse '${uri}'`
  if (fragment) return `fragment not allowed in '${uri}'`
  return undefined
}

const redirectUri = z.string().superRefine((v, ctx) => {
  const problem = redirectUriProblem(v)
  if (problem) ctx.addIssue({ code: 'custom', message: problem })
})

/**
 * A reference field. Nested in the collection it points at, it is filled in
 * from there; nested anywhere else, Kong's declarative schema lets it be
 * nothing but null (every foreign field of a nested record is `eq = null`).
 */
function ref(ctx: SchemaContext, target: SchemaContext['parent'], describe: string, required: boolean) {
  if (ctx.parent === target) return foreignRef.optional().describe('Filled in from the enclosing entity.')
  if (ctx.parent !== undefined) return z.null({ error: 'value must be null' }).optional().describe(`${describe} Must be null in the nested form.`)
  return required ? foreignRef.describe(describe) : foreignRef.optional().describe(describe)
}

/** Kong's entity `ttl = true`: seconds the entity lives (DAO_MAX_TTL at most). */
const ttl = integer(0, 100000000).optional().describe('Seconds the entity lives in Kong (accepted; a declared token or code expires by its own fields here).')

export function oauth2TokenSchema(ctx: SchemaContext) {
  return z
    .strictObject({
      id: uuid.optional(),
      service: ref(ctx, 'services', 'The service (name or id) the token is valid for; none for a global token.', false),
      credential: ref(ctx, 'oauth2_credentials', 'The client application (client_id or id) the token was issued to.', true),
      token_type: oneOf(['bearer']).default('bearer').describe('Always `bearer`.'),
      expires_in: anyInteger.describe('Seconds the token is valid from created_at; 0 never expires.'),
      access_token: markSecret(z.string()).optional().describe('The access token. Random when omitted (and then unknown to every client).'),
      refresh_token: markSecret(z.string()).optional().describe('The refresh token, if any.'),
      authenticated_userid: z.string().optional().describe('The end user the token was issued for (sent upstream as X-Authenticated-Userid).'),
      scope: z.string().optional().describe('Space-separated scopes (sent upstream as X-Authenticated-Scope).'),
      ttl,
      ...credentialFields,
    })
    .meta({ title: 'oauth2 token' })
}

export function oauth2AuthorizationCodeSchema(ctx: SchemaContext) {
  return z
    .strictObject({
      id: uuid.optional(),
      service: ref(ctx, 'services', 'The service (name or id) the code was issued on.', false),
      credential: ref(ctx, 'oauth2_credentials', 'The client application (client_id or id) the code was issued to.', true),
      code: markSecret(z.string()).optional().describe('The code. Random when omitted.'),
      authenticated_userid: z.string().optional().describe('The end user the code was issued for.'),
      scope: z.string().optional().describe('Space-separated scopes.'),
      challenge: z.string().optional().describe('PKCE code challenge.'),
      challenge_method: oneOf(['S256']).optional().describe('PKCE challenge method.'),
      plugin: ref(ctx, 'plugins', 'The oauth2 plugin instance (id or instance_name) that issued the code.', false),
      ttl,
      ...credentialFields,
    })
    .meta({ title: 'oauth2 authorization code' })
}

export function oauth2CredentialSchema(ctx: SchemaContext) {
  const child: SchemaContext = { mode: ctx.mode, parent: 'oauth2_credentials' }
  return z
    .strictObject({
      id: uuid.optional(),
      consumer: ref(ctx, 'consumers', 'The consumer (username or id) this application belongs to.', true),
      name: z.string().describe('The name of the application.'),
      client_id: z.string().optional().describe('The client id; unique. Random when omitted.'),
      client_secret: markSecret(z.string()).optional().describe('The client secret. Random when omitted; hashed on load when hash_secret is true.'),
      hash_secret: z
        .boolean()
        .default(false)
        .describe('Store the client secret as a PBKDF2 hash (with `_transform`, the secret as written is hashed on load).'),
      redirect_uris: z.array(redirectUri).optional().describe('URIs the authorize endpoint may redirect to (scheme and host, no fragment).'),
      tags: tags.optional(),
      client_type: oneOf(['confidential', 'public']).default('confidential').describe('Public clients send no secret and must use PKCE.'),
      oauth2_tokens: z.array(oauth2TokenSchema(child)).optional().describe('Access tokens issued to this application.'),
      oauth2_authorization_codes: z.array(oauth2AuthorizationCodeSchema(child)).optional().describe('Authorization codes issued to this application.'),
      ...credentialFields,
    })
    .meta({ title: 'oauth2 credential' })
}
