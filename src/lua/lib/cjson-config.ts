/**
 * lua-cjson's per-instance configuration (OpenResty's fork, 2.1.0.x) and the
 * metatables every instance shares. Each module table (`require "cjson"`,
 * `require "cjson.safe"`, `cjson.new()`) owns one CjsonConfig, so a plugin
 * instance that calls `cjson.encode_number_precision(3)` changes its own
 * module only.
 */
import { LuaTable } from '../core/value.js'

export interface CjsonConfig {
  /** encode_sparse_array(convert, ratio, safe). */
  sparseConvert: boolean
  sparseRatio: number
  sparseSafe: number
  encodeMaxDepth: number
  decodeMaxDepth: number
  /** 0 = refuse NaN/Infinity, 1 = write NaN/Infinity, 2 = write null. */
  encodeInvalidNumbers: number
  decodeInvalidNumbers: boolean
  encodeKeepBuffer: boolean
  numberPrecision: number
  emptyTableAsObject: boolean
  decodeArrayWithArrayMt: boolean
  decodeAllowComment: boolean
  escapeForwardSlash: boolean
  skipUnsupported: boolean
  /** encode_indent: '' means compact output. */
  indent: string
}

/** lua_cjson.c's defaults. */
export function defaultConfig(): CjsonConfig {
  return {
    sparseConvert: false,
    sparseRatio: 2,
    sparseSafe: 10,
    encodeMaxDepth: 1000,
    decodeMaxDepth: 1000,
    encodeInvalidNumbers: 0,
    decodeInvalidNumbers: true,
    encodeKeepBuffer: true,
    numberPrecision: 14,
    emptyTableAsObject: true,
    decodeArrayWithArrayMt: false,
    decodeAllowComment: false,
    escapeForwardSlash: true,
    skipUnsupported: false,
    indent: '',
  }
}

/**
 * Nesting beyond this fails as if LuaJIT's stack check failed (cjson checks
 * `lua_checkstack` beside the configured depth): raising encode_max_depth or
 * decode_max_depth above the default 1000 has no effect here, where the
 * encoder recurses on the JS stack (it overflows near 2,200 levels). Should
 * the stack still run out (a caller deep already), that too becomes cjson's
 * nesting error.
 */
export const HARD_MAX_DEPTH = 1000

/** Whether `e` is V8's stack overflow. */
export function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && e.message.includes('call stack')
}

function frozenTable(name: string): LuaTable {
  const t = new LuaTable()
  t.readonlyName = name
  return t
}

/**
 * `cjson.array_mt` and `cjson.empty_array_mt`. lua-cjson keeps one pair per
 * Lua state; here one pair serves the process so a table tagged by one plugin
 * instance (or by the PDK) encodes as an array in every other. They are
 * read-only, so sharing them leaks nothing.
 */
export const ARRAY_MT = frozenTable('cjson.array_mt')
export const EMPTY_ARRAY_MT = frozenTable('cjson.empty_array_mt')
