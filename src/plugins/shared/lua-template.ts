/**
 * Lua `$(...)` expressions in templates (request-transformer, request-callout),
 * in Kong's template environment (kong/plugins/request-transformer/access.lua):
 * the sandbox's globals plus `type`, and `headers`, `query_params`,
 * `uri_captures` and `shared` loaded lazily — on first use, once per
 * rendering of one plugin's templates — so a template that reads no header
 * builds no headers table. request-callout adds `callouts`
 * (kong.ctx.shared.callouts). Writing to the environment fails as Kong's does.
 *
 * Expressions the built-in engine (template.ts) handles keep its fast path;
 * its results are Kong's, but for one case: a header or argument with
 * several values renders as the values joined by ", " where Kong renders a
 * Lua table address.
 *
 * An expression reaching what cannot run here (ngx timers, cosockets...) is
 * refused when it compiles, as a syntax error is.
 */
import './lua-vault.js'
import type { Kit } from '../types.js'
import { SIMPLE_ENGINE, type CompiledExpression, type ExpressionEngine, type TemplateScope } from './template.js'
import { LuaError } from '../../lua/core/errors.js'
import { index, tostring } from '../../lua/core/ops.js'
import { LuaTable, fromText, toText, type LuaFunction, type LuaValue } from '../../lua/core/value.js'
import type { BudgetLimits } from '../../lua/core/budget.js'
import { lua, luaGlobals, phaseBudget, type SyncLuaEngine } from '../../lua/engine.js'
import { kong } from '../../lua/pdk/kong.js'
import { findUnavailableInExpression } from '../../lua/syntax/index.js'

/** One rendering's lazily loaded values and shared budget, kept on the object that stands for the rendering (its token). */
interface Slots {
  readonly kit: Kit | undefined
  readonly scope: TemplateScope | undefined
  readonly values: Map<string, LuaValue>
  /** The rendering's expressions share one budget: more templates do not buy more time. */
  readonly budget: BudgetLimits
}

// A property of the token, not a WeakMap keyed by it: a WeakMap entry per request made garbage
// collection most of a template's cost (10 against 4 µs of CPU per Supabase request, bench/lua-micro.mjs).
const SLOTS = Symbol('lua template values')
type Token = { [SLOTS]?: Slots }
let active: Slots | undefined

const pdk = (lib: string, name: string): LuaFunction => (kong.getStr(lib) as LuaTable).getStr(name) as LuaFunction
const ctxShared = (): LuaValue => index(kong.getStr('ctx'), 'shared')

/** Kong's `uri_captures`: [0] the whole match, [1..] the groups, plus named groups. */
function uriCaptures(kit: Kit | undefined, scope: TemplateScope | undefined): LuaTable {
  const t = new LuaTable()
  const c = kit?.request.uriCaptures
  if (c) {
    c.unnamed.forEach((v, i) => {
      if (v !== undefined) t.set(i, fromText(v))
    })
    for (const [k, v] of Object.entries(c.named)) if (v !== undefined) t.set(fromText(k), fromText(v))
  } else if (scope) {
    // No request (a test rendering with a bare scope): the scope's lookups.
    const meta = new LuaTable()
    meta.setStr('__index', ((_t: LuaValue, k: LuaValue) => [lookup(scope.capture(typeof k === 'number' ? k : toText(String(k))))]) as LuaFunction)
    t.metatable = meta
  }
  return t
}

const lookup = (v: unknown): LuaValue => (typeof v === 'string' ? v : undefined)

/** The lazy loaders; `callouts` only where request-callout asks for it. */
const LOADERS: Record<string, (s: Slots) => LuaValue> = {
  headers: (s) => (s.kit ? pdk('request', 'get_headers')()[0] : scopeTable(s.scope, 'header')),
  query_params: (s) => (s.kit ? pdk('request', 'get_query')()[0] : scopeTable(s.scope, 'query')),
  uri_captures: (s) => uriCaptures(s.kit, s.scope),
  shared: (s) => (s.kit ? ctxShared() : scopeTable(s.scope, 'shared')),
}
const CALLOUTS = (s: Slots): LuaValue => (s.kit ? (index(ctxShared(), 'callouts') ?? new LuaTable()) : undefined)

/** Without a request: a table answering from the scope's lookups (headers keyed as Kong's get_headers). */
function scopeTable(scope: TemplateScope | undefined, kind: 'header' | 'query' | 'shared'): LuaTable {
  const t = new LuaTable()
  if (!scope) return t
  const meta = new LuaTable()
  meta.setStr('__index', ((_t: LuaValue, k: LuaValue) => {
    const key = toText(String(k))
    const v = kind === 'header' ? scope.header(key.toLowerCase().replace(/_/g, '-')) : kind === 'query' ? scope.query(key) : scope.shared(key)
    if (typeof v === 'string') return [v]
    if (v === true) return [true]
    if (Array.isArray(v)) return [new LuaTable(v.map((x) => (typeof x === 'string' ? x : x === true ? true : undefined)))]
    return [typeof v === 'number' || typeof v === 'boolean' ? v : undefined]
  }) as LuaFunction)
  t.metatable = meta
  return t
}

/** A template environment; `withCallouts` adds request-callout's `callouts`. */
export function templateEnv(withCallouts = false): LuaTable {
  const globals = luaGlobals()
  const env = new LuaTable()
  const meta = new LuaTable()
  meta.setStr('__index', ((_t: LuaValue, k: LuaValue): LuaValue[] => {
    if (typeof k !== 'string') return [undefined]
    const load = k === 'callouts' && withCallouts ? CALLOUTS : LOADERS[k]
    if (load === undefined) return [globals.get(k)]
    const s = active
    if (s === undefined) return [undefined]
    if (!s.values.has(k)) s.values.set(k, load(s))
    return [s.values.get(k)]
  }) as LuaFunction)
  meta.setStr('__newindex', (() => {
    throw new LuaError('This environment is read-only.')
  }) as LuaFunction)
  env.metatable = meta
  return env
}

/** Runs `f` with the environment's values loaded for `token` (one rendering), and the rendering's budget. */
export function within<T>(token: object, kit: Kit | undefined, scope: TemplateScope | undefined, f: (budget: BudgetLimits) => T): T {
  const t = token as Token
  let s = t[SLOTS]
  if (s === undefined || s.kit !== kit) t[SLOTS] = s = { kit, scope, values: new Map(), budget: phaseBudget() }
  const saved = active
  active = s
  try {
    return f(s.budget)
  } finally {
    active = saved
  }
}

/** pl.template's rendering of a value: `tostring(v or '')`, as text. */
export function renderLua(v: LuaValue): string {
  return toText(tostring(v === undefined || v === false ? '' : v))
}

/**
 * The engine for request-transformer: built-in expressions first, then Lua.
 * Values render as pl.template renders them (Lua's tostring).
 */
export function luaExpressionEngine(engine: SyncLuaEngine = lua, fallbackFirst: ExpressionEngine = SIMPLE_ENGINE): ExpressionEngine {
  return {
    compile(expr): CompiledExpression | { error: string } {
      const simple = fallbackFirst.compile(expr)
      if (!('error' in simple)) return simple
      const err = engine.checkExpression(expr)
      if (err) return { error: `${err.message} (in '${expr}')` }
      const refused = findUnavailableInExpression(expr)
      if (refused) return { error: `${refused.message} (in '${expr}')` }
      const compiled = engine.compileExpression(expr, templateEnv())
      return {
        evaluate: (scope: TemplateScope) => within(scope, scope.kit, scope, (budget) => renderLua(compiled.evaluateLua(scope.kit, undefined, budget))),
      }
    },
  }
}
