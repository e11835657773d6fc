/**
 * The log record of a log plugin instance: `custom_fields_by_lua` run, then
 * Kong's serializer. Every log plugin (file-log, http-log, and any added
 * later) builds its record with `logEntries(conf.custom_fields_by_lua, env)`
 * and writes what it returns, so the Lua fields, their errors and the
 * set_serialize_value changes of earlier snippets behave the same in all.
 *
 * Kong's handlers do, in the log phase: for each (key, source),
 * `kong.log.set_serialize_value(key, sandbox(source)())`, then
 * `kong.log.serialize()`. So here:
 * - each source compiles once per instance (Kong loads it per request) and
 *   runs with fresh globals each time, as a fresh load would;
 * - its value joins the request's set_serialize_value list, which outlives
 *   the plugin: a log plugin running later in the same request (lower
 *   priority) gets these fields too, as in Kong;
 * - an error in a source (or its budget running out) stops the handler before
 *   serialize(), as in Kong, where nothing catches it (kong/init.lua runs log
 *   handlers unprotected): this instance writes no record for the request.
 *   It is logged with the field, the route and the Lua traceback. So is a
 *   value serialize() refuses. Unlike Kong, later log plugins still run (the
 *   gateway isolates plugins from each other's failures).
 */
import { createLuaEngine, LuaRunError } from '../../lua/engine.js'
import { addSerializeValue } from '../../lua/pdk/serialize-values.js'
import type { Kit, PluginEnv } from '../types.js'
import { serialize, type LogEntry } from './log-serializer.js'

/** The record of one request for this instance, or undefined when there is none to write (the error is logged). */
export type LogEntries = (kit: Kit) => LogEntry | undefined

export function logEntries(fields: Readonly<Record<string, string>> | undefined, env: Pick<PluginEnv, 'log'>): LogEntries {
  const build = (kit: Kit): LogEntry | undefined => {
    try {
      return serialize(kit)
    } catch (e) {
      env.log.error(`failed to serialize the log record: ${(e as Error).message}`, where(kit))
      return undefined
    }
  }
  if (fields === undefined || Object.keys(fields).length === 0) return build

  const engine = createLuaEngine({ log: (level, msg) => env.log[level](msg) })
  // Named by the source itself, as Kong's load names it: messages read `[string "return ..."]:1: ...`.
  const chunks = Object.entries(fields).map(([key, source]) => ({ key, chunk: engine.compileValue(source, source) }))
  return (kit) => {
    for (const { key, chunk } of chunks) {
      let value
      try {
        value = chunk.valueSync(kit, { phase: 'log' })
      } catch (e) {
        const traceback = e instanceof LuaRunError ? e.luaTraceback : undefined
        env.log.error(`custom_fields_by_lua error: ${(e as Error).message}`, { ...where(kit), field: key, traceback })
        return undefined
      }
      addSerializeValue(kit, { key, value, mode: 'set' })
    }
    return build(kit)
  }
}

function where(kit: Kit): Record<string, unknown> {
  return { phase: 'log', request_id: kit.requestId, route: kit.route?.name ?? kit.route?.id }
}
