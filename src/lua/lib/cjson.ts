/**
 * The `cjson` and `cjson.safe` modules (lua-cjson 2.1.0.x as OpenResty
 * bundles it): module tables of functions over one CjsonConfig each, their
 * configuration functions with lua-cjson's argument checks and messages, and
 * `new()`. cjson.safe's encode/decode return `nil, message` instead of
 * raising; a budget stop still goes through (it is not a Lua error).
 *
 * Kong's globalpatches configure the process's `cjson.safe` module with
 * `encode_sparse_array(nil, nil, 2^15)` and `encode_number_precision(16)`
 * (CJSON_MAX_PRECISION); `requireCjson('cjson.safe')` applies the same, while
 * `cjson` and every `new()` start from lua-cjson's defaults, as in Kong.
 *
 * Every call of `requireCjson` makes a fresh module: the runtime creates one
 * per plugin instance, so one instance's settings never reach another.
 */
import { catchable, LuaError } from '../core/errors.js'
import { argError, checkInt, checkString } from '../core/ops.js'
import { LuaTable, typeName, type LuaFunction, type LuaValue } from '../core/value.js'
import { ARRAY_MT, EMPTY_ARRAY_MT, defaultConfig, type CjsonConfig } from './cjson-config.js'
import { decodeJson } from './cjson-decode.js'
import { encodeJson } from './cjson-encode.js'
import { EMPTY_ARRAY, NULL } from './lightuserdata.js'

export { ARRAY_MT, EMPTY_ARRAY_MT } from './cjson-config.js'

/** CJSON_VERSION as lua_cjson.c defines it. */
const VERSION = '2.1.0.11'
const INT_MAX = 2147483647
/** kong.constants CJSON_MAX_PRECISION. */
const KONG_PRECISION = 16

/** json_arg_init: at most `n` arguments. */
function maxArgs(args: LuaValue[], n: number, fname: string): void {
  if (args.length > n) argError(n + 1, fname, 'found too many arguments')
}

/** json_integer_option: sets from argument `i` when given; returns the setting. */
function intOption(args: LuaValue[], i: number, fname: string, current: number, min: number, max: number): number {
  const v = args[i]
  if (v === undefined) return current
  const n = checkInt(v, i + 1, fname)
  // lua-cjson reports the range error against argument #1 whichever argument it was.
  if (n < min || n > max) argError(1, fname, `expected integer between ${min} and ${max}`)
  return n
}

/** json_enum_option over `options` (boolean true is option 1); returns the setting's index. */
function enumOption(args: LuaValue[], i: number, fname: string, current: number, options: string[]): number {
  const v = args[i]
  if (v === undefined) return current
  if (typeof v === 'boolean') return v ? 1 : 0
  const s = checkString(v, i + 1, fname)
  const k = options.indexOf(s)
  if (k < 0) argError(i + 1, fname, `invalid option '${s}'`)
  return k
}

const ON_OFF = ['off', 'on']

/** A boolean option's function: `f(true|false|"on"|"off"|nil)` → the current setting. */
function boolOption(cfg: CjsonConfig, key: BoolKey, fname: string): LuaFunction {
  return (...args) => {
    maxArgs(args, 1, fname)
    cfg[key] = enumOption(args, 0, fname, cfg[key] ? 1 : 0, ON_OFF) === 1
    return [cfg[key]]
  }
}

type BoolKey =
  | 'emptyTableAsObject'
  | 'decodeArrayWithArrayMt'
  | 'decodeAllowComment'
  | 'skipUnsupported'
  | 'encodeKeepBuffer'
  | 'escapeForwardSlash'
  | 'decodeInvalidNumbers'

/** encode/decode bodies: `fname` names them in argument errors ('?' under cjson.safe's pcall, as LuaJIT does). */
function encoder(cfg: CjsonConfig, fname: string): LuaFunction {
  return (...args) => {
    if (args.length !== 1) argError(1, fname, 'expected 1 argument')
    return [encodeJson(args[0], cfg)]
  }
}

function decoder(cfg: CjsonConfig, fname: string): LuaFunction {
  return (...args) => {
    if (args.length !== 1) argError(1, fname, 'expected 1 argument')
    const v = args[0]
    const s = typeof v === 'string' ? v : typeof v === 'number' ? checkString(v, 1, fname) : argError(1, fname, `string expected, got ${typeName(v)}`)
    return [decodeJson(s, cfg)]
  }
}

/** json_protect_conversion: the argument count is checked outside the protection; errors become `nil, msg`. */
function protect(inner: LuaFunction, fname: string): LuaFunction {
  return (...args) => {
    if (args.length !== 1) argError(1, fname, 'expected 1 argument')
    try {
      return inner(...args)
    } catch (e) {
      if (!catchable(e)) throw e
      if (e instanceof LuaError) return [undefined, typeof e.value === 'string' ? e.value : String(e.value)]
      throw e
    }
  }
}

/** A module table: `cjson` (safe = false) or `cjson.safe`, with its own configuration. */
export function newCjson(safe: boolean, cfg: CjsonConfig = defaultConfig()): LuaTable {
  const t = new LuaTable()
  const set = (k: string, v: LuaValue) => t.setStr(k, v)
  if (safe) {
    set('encode', protect(encoder(cfg, '?'), 'encode'))
    set('decode', protect(decoder(cfg, '?'), 'decode'))
  } else {
    set('encode', encoder(cfg, 'encode'))
    set('decode', decoder(cfg, 'decode'))
  }
  set('encode_empty_table_as_object', boolOption(cfg, 'emptyTableAsObject', 'encode_empty_table_as_object'))
  set('decode_array_with_array_mt', boolOption(cfg, 'decodeArrayWithArrayMt', 'decode_array_with_array_mt'))
  set('decode_allow_comment', boolOption(cfg, 'decodeAllowComment', 'decode_allow_comment'))
  set('encode_skip_unsupported_value_types', boolOption(cfg, 'skipUnsupported', 'encode_skip_unsupported_value_types'))
  set('encode_keep_buffer', boolOption(cfg, 'encodeKeepBuffer', 'encode_keep_buffer'))
  set('encode_escape_forward_slash', boolOption(cfg, 'escapeForwardSlash', 'encode_escape_forward_slash'))
  set('decode_invalid_numbers', boolOption(cfg, 'decodeInvalidNumbers', 'decode_invalid_numbers'))
  set('encode_sparse_array', (...args) => {
    const f = 'encode_sparse_array'
    maxArgs(args, 3, f)
    cfg.sparseConvert = enumOption(args, 0, f, cfg.sparseConvert ? 1 : 0, ON_OFF) === 1
    cfg.sparseRatio = intOption(args, 1, f, cfg.sparseRatio, 0, INT_MAX)
    cfg.sparseSafe = intOption(args, 2, f, cfg.sparseSafe, 0, INT_MAX)
    return [cfg.sparseConvert, cfg.sparseRatio, cfg.sparseSafe]
  })
  set('encode_max_depth', (...args) => {
    maxArgs(args, 1, 'encode_max_depth')
    return [(cfg.encodeMaxDepth = intOption(args, 0, 'encode_max_depth', cfg.encodeMaxDepth, 1, INT_MAX))]
  })
  set('decode_max_depth', (...args) => {
    maxArgs(args, 1, 'decode_max_depth')
    return [(cfg.decodeMaxDepth = intOption(args, 0, 'decode_max_depth', cfg.decodeMaxDepth, 1, INT_MAX))]
  })
  set('encode_number_precision', (...args) => {
    maxArgs(args, 1, 'encode_number_precision')
    return [(cfg.numberPrecision = intOption(args, 0, 'encode_number_precision', cfg.numberPrecision, 1, 16))]
  })
  set('encode_invalid_numbers', (...args) => {
    maxArgs(args, 1, 'encode_invalid_numbers')
    const mode = (cfg.encodeInvalidNumbers = enumOption(args, 0, 'encode_invalid_numbers', cfg.encodeInvalidNumbers, ['off', 'on', 'null']))
    return [mode === 2 ? 'null' : mode === 1]
  })
  set('encode_indent', (...args) => {
    maxArgs(args, 1, 'encode_indent')
    if (args[0] !== undefined) cfg.indent = checkString(args[0], 1, 'encode_indent')
    return [cfg.indent]
  })
  set('new', () => [newCjson(safe)])
  set('null', NULL)
  set('empty_array_mt', EMPTY_ARRAY_MT)
  set('array_mt', ARRAY_MT)
  set('empty_array', EMPTY_ARRAY)
  set('_NAME', 'cjson')
  set('_VERSION', VERSION)
  t.readonlyName = safe ? 'cjson.safe' : 'cjson'
  return t
}

/**
 * What `require(name)` gives a plugin instance for `cjson` and `cjson.safe`:
 * a fresh module, with Kong's globalpatches settings on `cjson.safe`.
 */
export function requireCjson(name: 'cjson' | 'cjson.safe'): LuaTable {
  if (name === 'cjson') return newCjson(false)
  const cfg = defaultConfig()
  cfg.sparseSafe = 2 ** 15
  cfg.numberPrecision = KONG_PRECISION
  return newCjson(true, cfg)
}

/** Encodes with the defaults of `require "cjson"` (for the PDK: kong.response.exit bodies and logs). */
export function encodeDefault(v: LuaValue): string {
  return encodeJson(v, SHARED_DEFAULT)
}

/** Decodes with the defaults of `require "cjson"`; raises LuaError on invalid JSON. */
export function decodeDefault(s: string): LuaValue {
  return decodeJson(s, SHARED_DEFAULT)
}

const SHARED_DEFAULT = defaultConfig()
