/**
 * The light userdata values OpenResty shares between libraries: `NULL` is
 * `cjson.null` and `ngx.null` at once (both are the C NULL pointer in
 * OpenResty, so `cjson.null == ngx.null` holds), and `EMPTY_ARRAY` is
 * `cjson.empty_array`. They are process-wide constants: immutable, so sharing
 * them between plugin instances leaks nothing.
 */
import { LuaUserdata } from '../core/value.js'

/** JSON null / ngx.null: `tostring` gives "userdata: NULL", as LuaJIT prints a NULL pointer. */
export const NULL = new LuaUserdata('null')

/** cjson.empty_array: encodes as `[]`. */
export const EMPTY_ARRAY = new LuaUserdata('empty_array')
