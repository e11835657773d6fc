/**
 * The modules `require` can load in this gateway's sandbox, once
 * `--untrusted-lua-sandbox-requires` (Kong's untrusted_lua_sandbox_requires)
 * lists them. Names only, and no imports: the CLI checks the flag with this
 * list (serve and validate refuse a module that is not here) without loading
 * the Lua runtime; sandbox-env.ts builds each module, and its typed table of
 * builders keeps the two lists equal.
 *
 * Kong's serverless sandbox can require any installed module that the flag
 * lists; here only these exist: cjson and cjson.safe (Kong's settings), the
 * sandbox's own read-only libraries, OpenResty's table.* function modules, and
 * `ngx` itself. No `kong.*`, `resty.*`, `ngx.re` (split/opt) or `ngx.base64`.
 */
export const REQUIRABLE = [
  'bit',
  'cjson',
  'cjson.safe',
  'math',
  'ngx',
  'string',
  'table',
  'table.clear',
  'table.clone',
  'table.isarray',
  'table.isempty',
  'table.new',
  'table.nkeys',
] as const

export type Requirable = (typeof REQUIRABLE)[number]

/** The names in `requires` this gateway cannot load (empty when every one can). */
export function unknownRequires(requires: readonly string[]): string[] {
  const known: readonly string[] = REQUIRABLE
  return requires.filter((m) => !known.includes(m))
}
