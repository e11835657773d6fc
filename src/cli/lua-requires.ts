/**
 * `--untrusted-lua-sandbox-requires` (environment GATEWAY_UNTRUSTED_LUA_SANDBOX_REQUIRES),
 * Kong's `untrusted_lua_sandbox_requires`: the modules snippets may `require`;
 * none by default. serve and validate read and check it alike, so CI refuses
 * what the gateway would refuse to start with. The check uses the names only
 * (lua/requirable.ts): validate never loads the Lua runtime.
 */
import { luaRequiresUnknown } from '../errors.js'
import { REQUIRABLE, unknownRequires } from '../lua/requirable.js'

export const REQUIRES_OPTION = { 'untrusted-lua-sandbox-requires': { type: 'string' } } as const

/** The allow-list from the flag, else the environment: comma-separated, as Kong reads the setting. Throws on a module this gateway cannot load. */
export function luaRequires(flag: string | undefined, env: NodeJS.ProcessEnv): string[] {
  const text = flag ?? env.GATEWAY_UNTRUSTED_LUA_SANDBOX_REQUIRES ?? ''
  const requires = [
    ...new Set(
      text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ]
  const unknown = unknownRequires(requires)
  if (unknown.length > 0) throw new Error(luaRequiresUnknown(unknown, REQUIRABLE))
  return requires
}
