#!/usr/bin/env node
/**
 * Writes test/fixtures/kong-plugin-defaults.json: for each plugin Kong bundles
 * (kong/constants.lua's `plugins`), the facts our conformance test
 * (test/plugins/bundled-conformance.test.ts) compares with our definitions:
 * every config field by path (`config.queue.max_batch_size`,
 * `config.metrics[].sample_rate`, `config.limits.*.minute`) with its type,
 * whether it is required and its default; the handler's PRIORITY and VERSION;
 * the `protocols` default and whether it is Kong's protocols_http; the scopes
 * the schema forbids (no_consumer and kin). These are facts (names and
 * values), not Kong's code.
 *
 * Run by hand against a Kong checkout (a bare repository is enough), never in CI:
 *
 *   node scripts/kong-plugin-defaults.mjs \
 *     [--git-dir /work/.mirror/Kong+kong/repo] [--rev HEAD] \
 *     [--out test/fixtures/kong-plugin-defaults.json]
 *
 * How: each schema.lua (and what it requires from Kong: typedefs, the queue,
 * redis and llm shared schemas, plugin-local modules) is parsed with luaparse
 * and evaluated by scripts/lib/lua-eval.mjs, which runs the table-building
 * code. Modules outside that set are opaque; a default that depends on one
 * (session's random `secret`) is recorded as `computed`, with the expression.
 * The few modules resolved by hand are in HAND_RESOLVED below, each citing
 * the Kong lines it stands for.
 *
 * How Kong fills a plugin's config (what the fixture's shape encodes):
 * - a field with `default` takes it; a field without one is null (ngx.null)
 *   unless it is required (then the user must give it): kong/db/schema/init.lua,
 *   handle_missing_field;
 * - a record field is required unless it says `required = false`
 *   (kong/db/schema/entity.lua, make_records_required); a required record is
 *   filled with its fields' defaults, a non-required one without a default
 *   is null;
 * - `auto = true` strings (oauth2's provision_key) are generated on insert.
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import * as prettier from 'prettier'
import { Interpreter, LuaTable, Native, NULL, Opaque } from './lib/lua-eval.mjs'

const { values: args } = parseArgs({
  options: {
    'git-dir': { type: 'string', default: '/work/.mirror/Kong+kong/repo' },
    rev: { type: 'string', default: 'HEAD' },
    out: { type: 'string', default: 'test/fixtures/kong-plugin-defaults.json' },
  },
})

// latin1: one char per byte, which luaparse's pseudo-latin1 mode expects (strings are decoded as UTF-8 later).
const git = (...a) =>
  execFileSync('git', ['--git-dir', args['git-dir'], ...a], { encoding: 'latin1', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 })
const commit = git('rev-parse', args.rev).trim()

const files = new Map()
function readFile(path) {
  if (!files.has(path)) {
    let text
    try {
      text = git('show', `${commit}:${path}`)
    } catch {
      text = undefined
    }
    files.set(path, text)
  }
  return files.get(path)
}

/** Modules whose files are evaluated; any other require is opaque. */
const LOADABLE = new Set([
  'kong.constants',
  'kong.meta',
  'kong.db.schema.typedefs',
  'kong.tools.queue_schema',
  'kong.tools.redis.schema',
  'kong.tools.table',
  'kong.llm.schemas',
  'kong.llm.plugin.base',
  'kong.observability.tracing.propagation.utils',
  'kong.observability.tracing.propagation.schema',
])
const loadable = (name) => LOADABLE.has(name) || name.startsWith('kong.plugins.')

/**
 * Modules stood in for by hand: the evaluator does not run them (too much
 * runtime behind them), and the schemas use only what is written here.
 */
const HAND_RESOLVED = {
  'kong.db.schema': {
    cite: 'kong/db/schema/init.lua:2676-2688',
    what: 'Schema.define(t): t becomes callable; t(arg) returns arg with the keys of t it lacks added. Other members opaque.',
  },
  'table.clone': {
    cite: 'kong/tools/table.lua:176 (LuaJIT 2.1 extension)',
    what: 'a shallow copy of a table, without its metatable',
  },
  'kong.llm': {
    cite: 'kong/llm/init.lua:14',
    what: 'only config_schema, which is require("kong.llm.schemas")',
  },
  'global kong': {
    cite: 'kong/plugins/rate-limiting/schema.lua:39-46, kong/plugins/response-ratelimiting/schema.lua:26-33, kong/templates/kong_defaults.lua:121,203',
    what: 'kong.configuration.database = "off" (DB-less, as this gateway always is) and role = "traditional" (the default); other members opaque',
  },
}

/** The `kong` global the schemas read at load time (see HAND_RESOLVED). */
function kongGlobal() {
  const configuration = LuaTable.from({ database: 'off', role: 'traditional' })
  configuration.meta = LuaTable.from({ __index: new Native('kong.configuration.__index', ([, k]) => [new Opaque(`kong.configuration.${k}`)]) })
  const kong = LuaTable.from({ configuration })
  kong.meta = LuaTable.from({ __index: new Native('kong.__index', ([, k]) => [new Opaque(`kong.${k}`)]) })
  return kong
}

function resolveModule(name, interp) {
  if (name === 'kong.db.schema') {
    const schema = new LuaTable()
    schema.set(
      'define',
      new Native('Schema.define', ([t]) => {
        const mt = new LuaTable()
        mt.set(
          '__call',
          new Native('Schema.define.__call', ([self, arg]) => {
            const out = arg instanceof LuaTable ? arg : new LuaTable()
            for (const [k, v] of self.map) if (out.get(k) === undefined) out.set(k, v)
            return [out]
          }),
        )
        t.meta = mt
        return [t]
      }),
    )
    schema.meta = LuaTable.from({ __index: new Native('Schema.__index', ([, k]) => [new Opaque(`Schema.${k}`)]) })
    return schema
  }
  if (name === 'kong.llm') return LuaTable.from({ config_schema: interp.require('kong.llm.schemas') })
  // LuaJIT's own extension (kong/tools/table.lua's shallow_copy uses it): a shallow copy, metatable not copied.
  if (name === 'table.clone')
    return new Native('table.clone', ([t]) => {
      const copy = new LuaTable()
      for (const [k, v] of t.map) copy.set(k, v)
      return [copy]
    })
  return undefined
}

const interp = new Interpreter({ readFile, resolveModule, loadable })
interp.globals.vars.set('kong', kongGlobal())

const constants = interp.require('kong.constants')
const names = [...constants.get('BUNDLED_PLUGINS').map.keys()]
const meta = interp.require('kong.meta')

/** A Lua value as JSON; `type` says what an empty table is. */
function toJson(v, type) {
  if (v === NULL) return null
  if (v instanceof Opaque) return { computed: v.desc }
  if (v instanceof LuaTable) {
    if (v.map.size === 0) return type === 'array' || type === 'set' ? [] : {}
    if (v.isSequence()) return Array.from({ length: v.length() }, (_, i) => toJson(v.get(i + 1)))
    return Object.fromEntries([...v.map].filter(([, x]) => !(x instanceof Native)).map(([k, x]) => [String(k), toJson(x)]))
  }
  if (typeof v === 'function' || v instanceof Native) return { computed: 'function' }
  return v
}

function fieldsOf(record) {
  const list = record.get('fields')
  if (!(list instanceof LuaTable)) return []
  const out = []
  for (let i = 1; i <= list.length(); i++) {
    const item = list.get(i)
    if (!(item instanceof LuaTable)) continue
    for (const [k, def] of item.map) {
      // A field the evaluator could not build would silently vanish from the fixture: refuse instead.
      if (!(def instanceof LuaTable)) throw new Error(`field '${String(k)}' is not a table: ${def instanceof Opaque ? def.desc : typeof def}`)
      out.push([String(k), def])
    }
  }
  return out
}

/** Every field under a record, by path; records are required unless they say otherwise (make_records_required). */
function walk(record, prefix, out, inEntity = true) {
  for (const [name, def] of fieldsOf(record)) {
    if (def.get('abstract') === true) continue
    const path = `${prefix}.${name}`
    const type = def.get('type')
    const entry = { type: typeof type === 'string' ? type : toJson(type) }
    const required = def.get('required')
    entry.required = type === 'record' && inEntity ? required !== false : required === true
    const dflt = def.get('default')
    // The expression can be long (session's random secret is a chain of gsubs); its start says enough.
    if (dflt instanceof Opaque) entry.computed = dflt.desc.length > 100 ? `${dflt.desc.slice(0, 100)}...` : dflt.desc
    else if (dflt !== undefined) entry.default = toJson(dflt, type)
    if (def.get('auto') === true && dflt === undefined) entry.computed = 'auto (generated on insert)'
    const oneOf = def.get('one_of')
    if (oneOf instanceof LuaTable) entry.one_of = toJson(oneOf)
    if (def.get('deprecation') instanceof LuaTable) entry.deprecated = true
    out[path] = entry
    if (type === 'record') walk(def, path, out, inEntity)
    const elements = def.get('elements')
    if ((type === 'array' || type === 'set') && elements instanceof LuaTable && elements.get('type') === 'record') walk(elements, `${path}[]`, out, false)
    const values = def.get('values')
    if (type === 'map' && values instanceof LuaTable && values.get('type') === 'record') walk(values, `${path}.*`, out, false)
  }
  return out
}

/** PRIORITY and VERSION from the evaluated handler; a handler class (setmetatable) keeps them as fields too. */
function handlerFacts(name) {
  const h = interp.require(`kong.plugins.${name}.handler`)
  if (!(h instanceof LuaTable)) return { priority: null, version: null }
  const priority = interp.index(h, 'PRIORITY')
  const version = interp.index(h, 'VERSION')
  return { priority: typeof priority === 'number' ? priority : null, version: typeof version === 'string' ? version : null }
}

const plugins = {}
for (const name of names) {
  const schema = interp.require(`kong.plugins.${name}.schema`)
  if (!(schema instanceof LuaTable)) throw new Error(`${name}: schema.lua did not evaluate to a table`)
  const top = Object.fromEntries(fieldsOf(schema))
  const config = top.config
  if (!config) throw new Error(`${name}: no config field`)
  const protocols = top.protocols
  const elements = protocols?.get('elements')
  const httpOnlyList = elements instanceof LuaTable && elements.get('one_of') instanceof LuaTable ? toJson(elements.get('one_of')) : null
  const scopes = {}
  for (const scope of ['consumer', 'route', 'service']) scopes[scope] = !(top[scope] && top[scope].get('eq') === NULL)
  plugins[name] = {
    ...handlerFacts(name),
    protocols: {
      default: protocols ? toJson(protocols.get('default'), 'set') : null,
      // Kong's protocols_http: the elements are one of the HTTP protocols (a stream protocol is refused).
      httpOnly: Array.isArray(httpOnlyList) && httpOnlyList.every((p) => ['grpc', 'grpcs', 'http', 'https'].includes(p)),
    },
    scopes,
    fields: walk(config, 'config', {}),
  }
}

const fixture = {
  _comment:
    'Generated by scripts/kong-plugin-defaults.mjs from Kong schema files; facts (names, defaults, numbers) for test/plugins/bundled-conformance.test.ts. Do not edit by hand.',
  kong: { repository: 'Kong/kong', commit, version: interp.index(meta, 'version') },
  handResolved: HAND_RESOLVED,
  opaqueModules: [...interp.opaqueModules].sort(),
  warnings: interp.warnings,
  plugins,
}
// Written as the project's Prettier writes JSON, so `npm run lint` accepts a fresh fixture as is.
const prettierOptions = (await prettier.resolveConfig(args.out)) ?? {}
writeFileSync(args.out, await prettier.format(JSON.stringify(fixture), { ...prettierOptions, parser: 'json' }))
console.log(`${names.length} plugins from Kong ${commit.slice(0, 12)} written to ${args.out} (${interp.warnings.length} warnings)`)
