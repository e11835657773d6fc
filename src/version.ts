/**
 * The gateway's name and version, and the product token it sends in `Server`
 * and `Via`. The token defaults to Kong's (`kong/<version>`, meta._SERVER_TOKENS
 * of the Kong release whose behaviour is matched): clients, monitors and
 * Kong's own tests recognise the gateway by it, and a migration should not
 * change what they see. `gateway serve --server-token` names another product.
 */
export const NAME = 'kong-yml-gateway'
export const VERSION = '0.1.0'
/** The Kong release whose behaviour, messages and headers the gateway matches. */
export const KONG_VERSION = '3.10.0'
export const DEFAULT_SERVER_TOKEN = `kong/${KONG_VERSION}`

/** RFC 9110's product: token ["/" token]. */
const PRODUCT = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(\/[!#$%&'*+.^_`|~0-9A-Za-z-]+)?$/

/** What the gateway calls itself on the wire, computed once at start. */
export interface ServerTokens {
  /** `Server` on the gateway's own answers (and proxied ones without a Server). */
  readonly server: string
  /** Kong's Via entry, both ways: `1.1 <token>`. */
  readonly via: string
  /**
   * The entry sent upstream for an HTTP/1.0 client: Kong writes the client's
   * `ngx.req.http_version()`, a number LuaJIT turns into `1` (and 2.0 into `2`).
   */
  readonly viaHttp10: string
  /** The same for an HTTP/2 client: `2 <token>` (spec/02-integration/05-proxy/35-via_spec.lua:172). */
  readonly viaHttp2: string
}

export function serverTokens(token: string = DEFAULT_SERVER_TOKEN): ServerTokens {
  if (!PRODUCT.test(token)) throw new Error(`'${token}' is not a product token (name or name/version)`)
  return Object.freeze({ server: token, via: `1.1 ${token}`, viaHttp10: `1 ${token}`, viaHttp2: `2 ${token}` })
}

export const DEFAULT_TOKENS = serverTokens()
