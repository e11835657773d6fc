/**
 * Gives the Lua PDK's kong.vault the config layer's resolver: Kong's `env`
 * vault (the file's own vault entities, with their prefixes, resolve only
 * where the file uses references, when it loads).
 */
import { createResolver, parseReference } from '../../config/vault.js'
import { setLuaVault } from '../../lua/pdk/vault.js'

setLuaVault({
  get: (ref) => createResolver(process.env).resolve(ref),
  parse: (ref) => parseReference(ref),
})
