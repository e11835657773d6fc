/**
 * The Lua engine: Lua 5.4 on WebAssembly (wasmoon), one VM per process, with
 * Kong's untrusted-Lua sandbox and a subset of the PDK bound to the request kit.
 *
 * - One VM, created when this module loads (top-level await): `check` and
 *   `compile` are synchronous because they use the VM's own compiler.
 * - Each chunk is compiled once (Lua `load`, text mode only) with its own
 *   environment table. Before every run that table is emptied, so globals a run
 *   sets do not leak into the next one; reads fall through to a fresh view of
 *   the safe globals.
 * - A run is synchronous inside the VM (the request body is read beforehand
 *   when the source mentions get_raw_body), so runs never interleave and the
 *   PDK's host callbacks read the current kit from a module variable.
 * - Budget: a count hook stops a run after `instructions` VM instructions
 *   (coroutines created by the sandbox get the hook too); once exhausted the
 *   hook fires on every instruction, so pcall cannot swallow it. Memory: the
 *   VM's allocator refuses to grow more than `memory` bytes during a run.
 */
import { LuaFactory, type LuaEngine as Vm } from 'wasmoon'
import type { Exit, Kit } from '../plugins/types.js'
import { argsObject, decodeArgs } from '../http/args.js'
import type { LuaChunk, LuaEngine, LuaExpression, LuaSyntaxError, LuaVars } from './types.js'
import { BOOTSTRAP } from './sandbox.js'

export interface LuaLimits {
  /** VM instructions per run (default 1,000,000, about 50 ms). */
  instructions: number
  /** Bytes a run may allocate on top of what the VM holds (default 16 MiB). */
  memory: number
  /** Modules `require` may load (Kong's untrusted_lua_sandbox_requires); none by default. */
  requires: readonly string[]
}

export const DEFAULT_LIMITS: LuaLimits = { instructions: 1_000_000, memory: 16 * 1024 * 1024, requires: [] }

/** A chunk also runs synchronously (for the header_filter / body_filter / log phases, which cannot wait). */
export interface SyncLuaChunk extends LuaChunk {
  runSync(kit: Kit, vars?: LuaVars): Exit | undefined
}

export interface SyncLuaExpression extends LuaExpression {
  evaluateSync(kit: Kit | undefined, vars?: LuaVars): unknown
}

type Host = Record<string, (...args: any[]) => unknown>

const LOOKUP = Symbol('lua lookup')

/** A read-only Lua table whose fields are looked up on access (for template scopes). */
export interface LuaLookup {
  readonly [LOOKUP]: (key: string | number) => unknown
}

/** A var that Lua sees as a read-only table calling `fn` for each field read. */
export function luaLookup(fn: (key: string | number) => unknown): LuaLookup {
  return { [LOOKUP]: fn }
}

/** JS value → something wasmoon can push (no null, no Buffers, no class instances). */
function toLua(v: unknown): unknown {
  if (v === null || v === undefined) return undefined
  if (typeof v === 'object' && LOOKUP in v) {
    const fn = (v as LuaLookup)[LOOKUP]
    return { __lookup: (k: string | number) => toLua(fn(k)) }
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v
  if (typeof v === 'bigint') return Number(v)
  if (Buffer.isBuffer(v)) return v.toString('latin1')
  if (Array.isArray(v)) return v.map(toLua)
  if (v instanceof URLSearchParams) return queryTable(v)
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== null && x !== undefined) out[k] = toLua(x)
    return out
  }
  return undefined
}

/** A query built here (URLSearchParams) as a Lua table: repeated arguments are arrays. */
function queryTable(q: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const k of new Set(q.keys())) {
    const vals = q.getAll(k)
    out[k] = vals.length === 1 ? vals[0] : vals
  }
  return out
}

/** Lua value as wasmoon hands it to JS → plain JS (wasmoon gives tables as objects/arrays already). */
function fromLua(v: unknown): unknown {
  if (v === null) return undefined
  return v
}

const luaType = (v: unknown) => (v === undefined || v === null ? 'nil' : typeof v === 'object' ? 'table' : typeof v)

/**
 * A header value from Lua, typed as Kong's PDK checks it (a string, a number,
 * a boolean, or an array of strings); whether it can go on the wire is the
 * kit's check (runtime/header-checks.ts), where it is set.
 */
function headerValue(name: unknown, v: unknown): string | string[] {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (Array.isArray(v)) {
    for (const x of v)
      if (typeof x !== 'string') throw new TypeError(`invalid header value in array ${JSON.stringify(String(name))}: got ${luaType(x)}, expected string`)
    return v as string[]
  }
  throw new TypeError(`invalid header value for ${JSON.stringify(String(name))}: got ${luaType(v)}, expected array of string, string, number or boolean`)
}

/** What one run sees: the kit, the body read beforehand, and where kong.response.exit lands. */
interface RunState {
  kit: Kit | undefined
  body: Buffer | undefined
  exit: Exit | undefined
  log: ((level: string, msg: string) => void) | undefined
}

const factory = new LuaFactory()
const vm: Vm = await factory.createEngine({ traceAllocations: true, enableProxy: false, injectObjects: false, openStandardLibs: true })

let state: RunState = { kit: undefined, body: undefined, exit: undefined, log: undefined }

const noKit = (): never => {
  throw new Error('no request in this context')
}

const host: Host = {
  req(op: string, a?: unknown) {
    const kit = state.kit ?? noKit()
    const r = kit.request
    switch (op) {
      case 'header': {
        const name = String(a).toLowerCase().replace(/_/g, '-')
        return r.header(name)
      }
      case 'headers': {
        const out: Record<string, unknown> = {}
        for (const [k, v] of Object.entries(r.headers)) if (v !== undefined) out[k] = v
        return toLua(out)
      }
      // kong.request.get_query / get_query_arg read the raw query as Kong does (`?flag` is true).
      case 'query':
        return toLua(argsObject(decodeArgs(r.rawQuery)))
      case 'query_arg': {
        const q = decodeArgs(r.rawQuery).get(String(a))
        return Array.isArray(q) ? q[0] : q
      }
      case 'raw_query':
        return r.rawQuery
      case 'path':
        return r.normalizedPath
      case 'path_with_query':
        return r.rawQuery ? `${r.path}?${r.rawQuery}` : r.path
      case 'method':
        return r.method
      case 'scheme':
        return r.scheme
      case 'host':
        return r.host
      case 'port':
        return r.port
      case 'http_version':
        return Number(r.httpVersion)
      case 'raw_body':
        return state.body === undefined ? undefined : state.body.toString('latin1')
      case 'ip':
        return r.clientIp
    }
    return undefined
  },
  up(op: string, a?: unknown, b?: unknown) {
    const u = (state.kit ?? noKit()).upstream
    switch (op) {
      case 'set_header':
        if (b === undefined) u.clearHeader(String(a))
        else u.setHeader(String(a).toLowerCase(), headerValue(a, b))
        return
      case 'add_header': {
        const cur = u.header(String(a))
        const prev = cur === undefined ? [] : Array.isArray(cur) ? cur : [cur]
        u.setHeader(String(a).toLowerCase(), [...prev, String(b)])
        return
      }
      case 'set_headers':
        for (const [k, v] of Object.entries((a ?? {}) as Record<string, unknown>)) u.setHeader(k.toLowerCase(), headerValue(k, v))
        return
      case 'clear_header':
        u.clearHeader(String(a).toLowerCase())
        return
      case 'set_query': {
        const q = new URLSearchParams()
        for (const [k, v] of Object.entries((a ?? {}) as Record<string, unknown>)) {
          for (const x of Array.isArray(v) ? v : [v]) q.append(k, x === true ? '' : String(x))
        }
        u.setRawQuery(q.toString())
        return
      }
      case 'set_raw_query':
        u.setRawQuery(String(a))
        return
      case 'set_raw_body':
        u.setBody(Buffer.from(String(a ?? ''), 'latin1'))
        return
      case 'set_path':
        // The kit refuses a path without a leading `/`; a non-string is Kong's own error.
        if (typeof a !== 'string') throw new TypeError('path must be a string')
        u.setPath(a)
        return
      case 'set_method':
        u.setMethod(String(a).toUpperCase())
        return
    }
  },
  resp(op: string, a?: unknown, b?: unknown) {
    const res = (state.kit ?? noKit()).response
    switch (op) {
      case 'set_header':
        res.setHeader(String(a).toLowerCase(), headerValue(a, b))
        return
      case 'add_header':
        res.addHeader(String(a).toLowerCase(), String(b))
        return
      case 'clear_header':
        res.clearHeader(String(a).toLowerCase())
        return
      case 'header':
        return res.header(String(a).toLowerCase())
      case 'headers':
        return toLua(res.headers)
      case 'status':
        return res.status
      case 'source':
        return res.source
    }
    return undefined
  },
  exit(status: number, body: string | undefined, json: boolean, headers: Record<string, unknown> | undefined) {
    const h: Record<string, string | string[]> = {}
    for (const [k, v] of Object.entries(headers ?? {})) h[k.toLowerCase()] = headerValue(k, v)
    if (json && !h['content-type']) h['content-type'] = 'application/json; charset=utf-8'
    state.exit = { status, body: body ?? '', headers: h }
  },
  log(level: string, ...args: unknown[]) {
    const msg = args.map((x) => (x === undefined ? 'nil' : typeof x === 'object' ? JSON.stringify(x) : String(x))).join('')
    state.log?.(level, msg)
  },
  shared_get(k: unknown) {
    return toLua(state.kit?.shared[String(k)])
  },
  shared_set(k: unknown, v: unknown) {
    const shared = state.kit?.shared
    if (!shared) return
    if (v === undefined || v === null) delete shared[String(k)]
    else shared[String(k)] = fromLua(v)
  },
  shared_all() {
    return toLua(state.kit?.shared ?? {})
  },
  decode(s: unknown) {
    return toLua(JSON.parse(String(s)))
  },
  now() {
    return Date.now()
  },
}

vm.global.set('__H', host)
const sandbox = vm.doStringSync(BOOTSTRAP) as { [k in 'limits' | 'check' | 'compile' | 'run' | 'mark_expression' | 'release']: (...a: any[]) => any }

let limits: LuaLimits = DEFAULT_LIMITS
/** Sets the per-run limits of the process's Lua VM (all engines share it). */
export function setLuaLimits(next: Partial<LuaLimits>): void {
  limits = { ...limits, ...next }
  sandbox.limits(limits.instructions, [...limits.requires])
}
setLuaLimits({})

/** A syntax error; `raw` is Lua's own message (`[string "..."]:3: ...`), as Kong's validation shows it. */
export interface LuaSyntaxErrorWithRaw extends LuaSyntaxError {
  raw?: string
}

function syntaxError(msg: string): LuaSyntaxErrorWithRaw {
  const m = /^(?:\[string ".*?"\]|[^:\n]*):(\d+): ([\s\S]*)$/.exec(msg)
  return m ? { line: Number(m[1]), message: m[2]!, raw: msg } : { line: 1, message: msg, raw: msg }
}

function runRaw(
  id: number,
  kit: Kit | undefined,
  body: Buffer | undefined,
  vars: LuaVars | undefined,
  log: RunState['log'],
): { exit: Exit | undefined; value: unknown } {
  const saved = state
  state = { kit, body, exit: undefined, log }
  const max = vm.global.getMemoryMax()
  vm.global.setMemoryMax(vm.global.getMemoryUsed() + limits.memory)
  try {
    const res = sandbox.run(id, vars === undefined ? undefined : toLua(vars)) as { ok?: boolean; value?: unknown; err?: string }
    if (res.ok !== true) throw new Error(String(res.err ?? 'error in Lua code'))
    return { exit: state.exit, value: fromLua(res.value) }
  } catch (e) {
    if (state.exit) return { exit: state.exit, value: undefined }
    throw e instanceof Error ? e : new Error(String(e))
  } finally {
    vm.global.setMemoryMax(max)
    state = saved
  }
}

/** Where `kong.log.*` goes; set per engine. */
export type LuaLogSink = (level: 'error' | 'warn' | 'info' | 'debug', msg: string) => void

/** The engine with the synchronous extras (runSync / evaluateSync, raw syntax messages). */
export interface SyncLuaEngine extends LuaEngine {
  check(source: string): LuaSyntaxErrorWithRaw | undefined
  checkExpression(expr: string): LuaSyntaxErrorWithRaw | undefined
  compile(source: string, name: string): SyncLuaChunk
  compileExpression(expr: string): SyncLuaExpression
}

/** Chunks no longer referenced (an old config) are dropped from the VM. */
const released = new FinalizationRegistry<number>((id) => sandbox.release(id))

export function createLuaEngine(opts: { log?: LuaLogSink } = {}): SyncLuaEngine {
  const log = opts.log as RunState['log']
  const load = (source: string, name: string): number => {
    const { id, err } = sandbox.compile(source, name) as { id?: number; err?: string }
    if (typeof id !== 'number') {
      const e = syntaxError(String(err))
      throw new Error(`Lua syntax error at line ${e.line}: ${e.message}`)
    }
    return id
  }
  return {
    check(source) {
      const err = sandbox.check(source) as unknown
      return typeof err === 'string' ? syntaxError(err) : undefined
    },
    checkExpression(expr) {
      const err = sandbox.check(`return (${expr}\n)`, 'expression') as unknown
      return typeof err === 'string' ? syntaxError(err) : undefined
    },
    compile(source, name) {
      const id = load(source, name)
      const needsBody = source.includes('get_raw_body')
      // Both entry points hold `exec`; when it becomes unreachable the chunk is dropped from the VM.
      const exec = (kit: Kit, body: Buffer | undefined, vars?: LuaVars): Exit | undefined => runRaw(id, kit, body, vars, log).exit
      released.register(exec, id)
      return {
        runSync: (kit, vars) => exec(kit, undefined, vars),
        async run(kit, vars) {
          const body = needsBody ? await kit.request.body() : undefined
          return exec(kit, body, vars)
        },
      }
    },
    compileExpression(expr) {
      const id = load(`return (${expr}\n)`, 'expression')
      sandbox.mark_expression(id)
      const evaluateSync = (kit: Kit | undefined, vars?: LuaVars): unknown => runRaw(id, kit, undefined, vars, log).value
      released.register(evaluateSync, id)
      return {
        evaluateSync,
        async evaluate(kit, vars) {
          return evaluateSync(kit, vars)
        },
      }
    },
  }
}

/** The process's engine (kong.log goes nowhere); plugins that want logs create their own. */
export const lua = createLuaEngine()
