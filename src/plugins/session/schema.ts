/**
 * session (Kong PRIORITY 1900): the config, as Kong's schema.lua has it, with
 * its deprecated shorthand fields (applied by the handler, as Kong applies
 * them before defaults).
 */
import * as z from 'zod'
import { metaFields, oneOf, referenceable } from '../../config/schema/typedefs.js'

/** The names `request_headers` / `response_headers` may list (lua-resty-session's header names). */
export const SESSION_HEADERS = ['id', 'audience', 'subject', 'timeout', 'idling-timeout', 'rolling-timeout', 'absolute-timeout'] as const

// Kong's `number` fields: any number, no range of their own (0 turns a timeout off).
const seconds = (def: number, description: string) => z.number().default(def).describe(description)

const headers = (description: string) =>
  z
    .array(oneOf(SESSION_HEADERS))
    // Kong's set: each name once, in the order given.
    .transform((names) => [...new Set(names)])
    .optional()
    .describe(description)

/**
 * Kong's DB-less refuses every write of `storage: kong` when it runs ("cannot
 * create 'sessions' entities when not using a database"), so such a session
 * never starts; here the file is refused instead, saying why.
 */
export const KONG_STORAGE_REFUSED =
  "storage 'kong' keeps sessions in Kong's database, and this gateway has none (DB-less: Kong itself fails every save with \"cannot create 'sessions' entities when not using a database\"); use storage 'cookie'"

const deprecated = (what: string) => `Deprecated: ${what}.`

export const config = z
  .strictObject({
    secret: referenceable(
      z.string(),
      "The secret the session cookie's keys are derived from (SHA-256, then HKDF: AES-256-GCM and HMAC-SHA256). Unset: a random secret made when the node starts, shared by its workers (Kong's default is random too); set one for sessions that survive restarts and work across nodes.",
    ).optional(),
    storage: z
      .enum(['cookie', 'kong'], { error: (iss) => (iss.input === undefined ? undefined : 'expected one of: cookie, kong') })
      .default('cookie')
      .refine((v) => v !== 'kong', { error: KONG_STORAGE_REFUSED })
      .describe("Where session data lives: `cookie`, sealed in the cookie itself. (`kong`, Kong's database, does not exist in DB-less and is refused.)"),
    audience: z.string().default('default').describe('The session audience: the application the session is for. A cookie holds one entry per audience.'),
    idling_timeout: seconds(900, 'Seconds a session may go unused before it expires (0: no idling timeout).'),
    rolling_timeout: seconds(
      3600,
      'Seconds a session lives before it must be renewed; renewed (a new cookie) once three quarters of it have passed (0: none).',
    ),
    absolute_timeout: seconds(86400, 'Seconds after which a session ends however often it was renewed (0: none).'),
    stale_ttl: seconds(10, 'Seconds an old session stays valid after it was replaced (only meaningful with server-side storage; kept for compatibility).'),
    cookie_name: z.string().default('session').describe('The name of the session cookie (chunks of a large one are named <name>2, <name>3, ...).'),
    cookie_path: z.string().default('/').describe('The Path attribute of the cookie.'),
    cookie_domain: z.string().optional().describe('The Domain attribute of the cookie (unset, empty or `localhost`: none).'),
    cookie_same_site: oneOf(['Strict', 'Lax', 'None', 'Default'])
      .default('Strict')
      .describe('The SameSite attribute of the cookie, written as given (`None` also forces Secure).'),
    cookie_http_only: z.boolean().default(true).describe('Add HttpOnly to the cookie, so scripts cannot read it.'),
    cookie_secure: z.boolean().default(true).describe('Add Secure to the cookie, so browsers send it over HTTPS only.'),
    remember: z.boolean().default(false).describe('Also keep a persistent cookie that restores the session after the browser dropped the session cookie.'),
    remember_cookie_name: z.string().default('remember').describe('The name of the persistent cookie.'),
    remember_rolling_timeout: seconds(604800, 'Seconds the persistent cookie lives (its Max-Age) before it must be renewed.'),
    remember_absolute_timeout: seconds(2592000, 'Seconds after which the persistent cookie ends however often it was renewed.'),
    response_headers: headers('Session facts sent to the client as Session-* headers (Session-Id, Session-Audience, Session-Timeout, ...).'),
    request_headers: headers('Session facts sent upstream as Session-* headers.'),
    read_body_for_logout: z.boolean().default(false).describe('Look for logout_post_arg in the body of POST, PUT, PATCH and DELETE requests.'),
    logout_methods: z
      .array(oneOf(['GET', 'POST', 'DELETE']))
      .default(['POST', 'DELETE'])
      .transform((methods) => [...new Set(methods)])
      .describe('The methods a logout request may use.'),
    logout_query_arg: z.string().default('session_logout').describe('The query argument that asks for a logout.'),
    logout_post_arg: z.string().default('session_logout').describe('The body argument that asks for a logout (with read_body_for_logout).'),
    hash_subject: z.boolean().default(false).describe('Hash the subject in stored metadata (only with server-side storage; no effect here).'),
    store_metadata: z.boolean().default(false).describe('Store session metadata (only with server-side storage; no effect here).'),
    cookie_lifetime: z.number().optional().describe(deprecated('use rolling_timeout (this value replaces it)')),
    cookie_idletime: z.number().nullable().optional().describe(deprecated('use idling_timeout (this value replaces it; null: 0)')),
    cookie_renew: z.number().optional().describe(deprecated('ignored: renewal is computed from rolling_timeout')),
    cookie_discard: z.number().optional().describe(deprecated('use stale_ttl (this value replaces it)')),
    cookie_samesite: z.string().optional().describe(deprecated('use cookie_same_site (this value replaces it; `off`: Lax)')),
    cookie_httponly: z.boolean().optional().describe(deprecated('use cookie_http_only (this value replaces it)')),
    cookie_persistent: z.boolean().optional().describe(deprecated('use remember (this value replaces it)')),
    ...metaFields,
  })
  .superRefine((c, ctx) => {
    // Kong's shorthand writes cookie_samesite into cookie_same_site, whose one_of then checks it.
    const s = c.cookie_samesite
    if (s !== undefined && s !== 'off' && !['Strict', 'Lax', 'None', 'Default'].includes(s))
      ctx.addIssue({ code: 'custom', path: ['cookie_same_site'], message: 'expected one of: Strict, Lax, None, Default' })
  })

export type SessionConfig = z.infer<typeof config>
