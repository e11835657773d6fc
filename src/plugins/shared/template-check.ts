/**
 * Validation's view of `$(...)` templates: an expression is accepted when the
 * built-in engine takes it or it parses as a Lua expression (Kong compiles
 * templates at validation too). Parsing uses lua/syntax, not the runtime, so
 * `gateway validate` never loads the Lua engine.
 */
import { checkLuaExpression, findUnavailableInExpression } from '../../lua/syntax/index.js'
import { SIMPLE_ENGINE, type ExpressionEngine } from './template.js'

export const CHECK_ENGINE: ExpressionEngine = {
  compile(expr) {
    const simple = SIMPLE_ENGINE.compile(expr)
    if (!('error' in simple)) return simple
    const err = checkLuaExpression(expr)
    if (err) return { error: `${err.message} (in '${expr}')` }
    const refused = findUnavailableInExpression(expr)
    if (refused) return { error: `${refused.message} (in '${expr}')` }
    return { evaluate: () => undefined }
  },
}
