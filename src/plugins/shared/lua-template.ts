/**
 * An ExpressionEngine for `$(...)` templates (request-transformer, request-callout):
 * the built-in engine first (fast, no VM), and the expressions it refuses are
 * compiled as Lua expressions in the sandbox, with Kong's template environment:
 * `headers`, `query_params`, `uri_captures` and `shared` as read-only tables.
 * An expression reaching what cannot run here (ngx timers, cosockets...) is
 * refused when it compiles, as a syntax error is.
 */
import { SIMPLE_ENGINE, type CompiledExpression, type ExpressionEngine, type TemplateScope } from './template.js'
import { lua, luaLookup, type SyncLuaEngine } from '../../lua/engine.js'
import { findUnavailableInExpression } from '../../lua/syntax/index.js'

/** Kong's header lookup: `headers.x_foo` reads `x-foo`. */
const headerKey = (k: string | number): string => String(k).toLowerCase().replace(/_/g, '-')

export function luaExpressionEngine(engine: SyncLuaEngine = lua, fallbackFirst: ExpressionEngine = SIMPLE_ENGINE): ExpressionEngine {
  return {
    compile(expr): CompiledExpression | { error: string } {
      const simple = fallbackFirst.compile(expr)
      if (!('error' in simple)) return simple
      const err = engine.checkExpression(expr)
      if (err) return { error: `${err.message} (in '${expr}')` }
      const refused = findUnavailableInExpression(expr)
      if (refused) return { error: `${refused.message} (in '${expr}')` }
      const compiled = engine.compileExpression(expr)
      return {
        evaluate: (scope: TemplateScope) =>
          compiled.evaluateSync(undefined, {
            headers: luaLookup((k) => scope.header(headerKey(k))),
            query_params: luaLookup((k) => scope.query(String(k))),
            uri_captures: luaLookup((k) => scope.capture(k)),
            shared: luaLookup((k) => scope.shared(String(k))),
          }),
      }
    },
  }
}
