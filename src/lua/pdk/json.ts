/**
 * JSON for the PDK's own answers (kong.response.exit with a table body,
 * kong.service.request.set_body): the byte string cjson.encode would give.
 */
import type { LuaTable } from '../core/value.js'
import { fromText } from '../core/value.js'
import { fromLua } from './convert.js'

export function encodeJson(t: LuaTable): string {
  // cjson escapes '/' (encode_escape_forward_slash, on by default).
  return fromText(JSON.stringify(fromLua(t) ?? {}).replace(/\//g, '\\/'))
}
