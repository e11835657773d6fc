/**
 * JSON for the PDK's own answers (kong.response.exit with a table body,
 * kong.service.request.set_body): the byte string cjson.encode gives, with
 * lua-cjson's defaults as Kong's PDK uses them.
 */
import type { LuaTable } from '../core/value.js'
import { encodeDefault } from '../lib/cjson.js'

export function encodeJson(t: LuaTable): string {
  return encodeDefault(t)
}
