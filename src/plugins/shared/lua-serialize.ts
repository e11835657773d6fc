/**
 * Gives the Lua PDK's kong.log.serialize the log record the log plugins
 * write (log-serializer.ts), so a post-function log chunk sees what
 * file-log or http-log would send.
 */
import { setLuaSerializer } from '../../lua/pdk/serialize-values.js'
import { serialize } from './log-serializer.js'

setLuaSerializer(serialize)
