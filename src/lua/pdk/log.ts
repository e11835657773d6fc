/**
 * kong.log: the log lines a snippet writes (to the plugin's log, at Kong's
 * levels mapped to ours), inspect, and set_serialize_value / serialize over
 * the record the log plugins write. LOG_LEVELS maps ngx.log's numeric levels.
 */
import { LuaError } from '../core/errors.js'
import { index, tostring } from '../core/ops.js'
import { LuaTable, toText, type LuaValue } from '../core/value.js'
import { toLua } from './convert.js'
import { kit, phaseName, run, type LuaLogLevel } from './run.js'
import { addSerializeValue, serializedRecord } from './serialize-values.js'
import { library } from './table.js'

function logLine(level: LuaLogLevel, args: LuaValue[]): void {
  run().log(level, args.map((a) => tostring(a)).join(''))
}

export const log = library('kong.log', {
  alert: (...a) => logLine('error', a),
  crit: (...a) => logLine('error', a),
  err: (...a) => logLine('error', a),
  warn: (...a) => logLine('warn', a),
  notice: (...a) => logLine('info', a),
  info: (...a) => logLine('info', a),
  debug: (...a) => logLine('debug', a),
  inspect: (...a) => run().log('info', a.map((x) => inspect(x, 0)).join(' ')),
  // Kept as given, applied by serialize() (serialize-values.ts, plugins/shared/log-serializer.ts).
  set_serialize_value: (key, value, options) => {
    if (typeof key !== 'string') throw new LuaError('key must be a string')
    // Kong's `options and options.mode or "set"`.
    const given = options === undefined || options === false ? undefined : index(options, 'mode', "local 'options'")
    const mode = given === undefined || given === false ? 'set' : given
    if (mode !== 'set' && mode !== 'add' && mode !== 'replace') throw new LuaError("mode must be 'set', 'add' or 'replace'")
    addSerializeValue(kit(), { key: toText(key), value, mode })
  },
  // The record the log plugins write, set_serialize_value's changes applied (Kong: log phase only).
  serialize: () => {
    const r = run()
    if (r.phase !== 'log') throw new LuaError(`function cannot be called in ${phaseName(r)} phase (only in: log)`)
    let record: unknown
    try {
      record = serializedRecord(kit())
    } catch (e) {
      // A set_serialize_value value JSON cannot hold: Kong's serialize raises it too.
      throw new LuaError((e as Error).message)
    }
    return toLua(record)
  },
})

/** Where kong.log.set_serialize_value keeps its list in the request's shared record. */
export { SERIALIZE } from './serialize-values.js'

function inspect(v: LuaValue, depth: number): string {
  if (typeof v === 'string') return JSON.stringify(toText(v))
  if (!(v instanceof LuaTable) || depth > 5) return tostring(v)
  const parts: string[] = []
  for (let e = v.next(undefined); e !== undefined; e = v.next(e[0]))
    parts.push(`${typeof e[0] === 'string' ? e[0] : `[${inspect(e[0], depth + 1)}]`} = ${inspect(e[1], depth + 1)}`)
  return `{ ${parts.join(', ')} }`
}

/** Kong's log levels by name, for ngx.log's numeric levels. */
export const LOG_LEVELS: Record<number, LuaLogLevel> = {
  0: 'error',
  1: 'error',
  2: 'error',
  3: 'error',
  4: 'error',
  5: 'warn',
  6: 'info',
  7: 'info',
  8: 'debug',
}
