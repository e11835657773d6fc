/**
 * Where a Lua error happened, found only when an error is raised: compiled
 * code carries no per-statement line bookkeeping. Each chunk's JS is tagged
 * with a sourceURL (`lua-chunk-<id>`) and a line table built at compile time;
 * the JS stack of an error (V8 captures it when the Error is created) is read
 * back into Lua frames:
 *
 * - a frame in `lua-chunk-<id>` is a Lua function; its JS line maps to a Lua
 *   line, and its line:column to the call site it stands at (callee name,
 *   method call, tail call), which LuaJIT's messages depend on;
 * - a frame in core/ or compiler/runtime (helpers) or a native frame is
 *   transparent;
 * - any other frame is a library ("C") function.
 *
 * LuaJIT drops the frame of a function that made a tail call (`return f()`);
 * frames standing at a tail-call site are dropped here for the same effect.
 */
import { LuaError, isSettled, markSettled } from '../core/errors.js'

export { markSettled }
import type { LuaValue } from '../core/value.js'

/** A call in the generated code, as LuaJIT names the callee in "bad argument" messages. */
export interface CallSite {
  /** The callee's name as LuaJIT gives it (global, local, field or method name), undefined for '?'. */
  name: string | undefined
  method: boolean
  /** `return f(...)`: LuaJIT's tail call, whose caller frame is gone. */
  tail: boolean
}

/** What the compiler records for each chunk. */
export interface ChunkInfo {
  /** The chunk name as messages show it (shortName). */
  name: string
  /** Lua line of each JS line (index: JS line as V8 reports it). */
  lines: Int32Array
  /** Call sites by `siteKey(jsLine, jsColumn)`. */
  calls: Map<number, CallSite>
}

/** `new Function` puts two lines before the body: `function anonymous(params\n) {\n`. */
export const BODY_LINE_OFFSET = 2

export const siteKey = (line: number, col: number): number => line * 1_000_000 + col

const chunks = new Map<number, WeakRef<ChunkInfo>>()
const finalizer = new FinalizationRegistry<number>((id) => {
  const ref = chunks.get(id)
  if (ref !== undefined && ref.deref() === undefined) chunks.delete(id)
})
let nextId = 1

/** Registers a chunk's tables; the chunk's functions keep `info` alive, the registry does not. */
export function registerChunk(info: ChunkInfo): number {
  const id = nextId++
  chunks.set(id, new WeakRef(info))
  finalizer.register(info, id)
  return id
}

export const SOURCE_PREFIX = 'lua-chunk-'

/** One frame of a JS stack, as Lua sees it. */
export interface Frame {
  kind: 'lua' | 'c'
  chunk?: ChunkInfo
  /** Lua line (lua frames). */
  line?: number
  site?: CallSite
  /** Lua line where the function was defined, 0 for a main chunk (lua frames). */
  defined?: number
  /** The Lua name the compiler gave the function, if any. */
  fname?: string
  /** The JS function name (c frames). */
  jsName?: string
}

const FRAME = /^\s*at (?:(.*?) \()?(.*?)(?::(\d+):(\d+))?\)?$/
const LUA_FN = /\$(?:main|L(\d+))(?:\$([A-Za-z_][\w]*))?/

function transparentFile(file: string): boolean {
  return (
    file === '<anonymous>' || file === 'native' || file === '' || file.startsWith('node:') || /[/\\]lua[/\\](?:core[/\\]|compiler[/\\]runtime\.)/.test(file)
  )
}

/** A JS stack frame: function name, file, and a position read only when asked (it costs). */
interface JsFrame {
  fn: string
  file: string
  pos(): [line: number, col: number]
}

/**
 * Reading V8's stack: `Error.prepareStackTrace` is set only while the stack of
 * one error is read, so V8 hands over its call sites instead of formatting
 * every frame into text (which is most of an error's cost). The error gets a
 * `stack` that formats itself on first read, as V8's would.
 */
let captured: NodeJS.CallSite[] | undefined
const grab = (_e: Error, sites: NodeJS.CallSite[]): unknown => {
  captured = sites
  return undefined
}

/** JS frames per error (and per holder captured here), so each stack is read once. */
const jsFramesCache = new WeakMap<object, JsFrame[]>()

function jsFrames(e: object): JsFrame[] {
  const cached = jsFramesCache.get(e)
  if (cached !== undefined) return cached
  const prev = Error.prepareStackTrace
  captured = undefined
  Error.prepareStackTrace = grab
  let stack: unknown
  try {
    stack = (e as { stack?: unknown }).stack
  } finally {
    Error.prepareStackTrace = prev
  }
  let frames: JsFrame[]
  const sites = captured as NodeJS.CallSite[] | undefined
  captured = undefined
  if (sites !== undefined) {
    frames = sites.map((cs) => ({
      fn: cs.getFunctionName() ?? '',
      file: cs.getFileName() ?? cs.getScriptNameOrSourceURL() ?? '',
      pos: () => [cs.getLineNumber() ?? 0, cs.getColumnNumber() ?? 0],
    }))
    if (e instanceof Error) {
      // The text V8 would have given, made only if something reads it.
      Object.defineProperty(e, 'stack', {
        configurable: true,
        get(this: Error) {
          const text = typeof prev === 'function' ? prev(this, sites) : `${String(this)}\n${sites.map((cs) => `    at ${String(cs)}`).join('\n')}`
          Object.defineProperty(this, 'stack', { value: text, writable: true, configurable: true })
          return text
        },
        set(this: Error, v: unknown) {
          Object.defineProperty(this, 'stack', { value: v, writable: true, configurable: true })
        },
      })
    }
  } else frames = parseStack(typeof stack === 'string' ? stack : undefined)
  jsFramesCache.set(e, frames)
  return frames
}

/** Frames from a stack already formatted as text. */
function parseStack(stack: string | undefined): JsFrame[] {
  const out: JsFrame[] = []
  if (stack === undefined) return out
  for (const text of stack.split('\n')) {
    if (!/^\s+at /.test(text)) continue
    const m = FRAME.exec(text)
    if (!m) continue
    const line = Number(m[3] ?? 0)
    const col = Number(m[4] ?? 0)
    out.push({ fn: m[1] ?? '', file: m[2] ?? '', pos: () => [line, col] })
  }
  return out
}

/** The Lua-visible frames of an error's (or a holder's) JS stack, innermost first; `max` Lua frames at most. */
export function framesOf(e: unknown, max = Infinity): Frame[] {
  const out: Frame[] = []
  if (typeof e !== 'object' || e === null) return out
  let lua = 0
  for (const jf of jsFrames(e)) {
    const file = jf.file
    if (file.startsWith(SOURCE_PREFIX)) {
      const info = chunks.get(Number(file.slice(SOURCE_PREFIX.length)))?.deref()
      if (info === undefined) continue
      const [jsLine, col] = jf.pos()
      const f = LUA_FN.exec(jf.fn)
      out.push({
        kind: 'lua',
        chunk: info,
        line: info.lines[jsLine] ?? 0,
        site: info.calls.get(siteKey(jsLine, col)),
        defined: f && f[1] !== undefined ? Number(f[1]) : 0,
        fname: f?.[2],
      })
      if (++lua >= max) break
    } else if (!transparentFile(file)) {
      const prev = out[out.length - 1]
      // A library function's own helpers are one C frame.
      if (prev === undefined || prev.kind !== 'c') out.push({ kind: 'c', jsName: jf.fn.replace(/^.*\./, '') })
    }
  }
  return out
}

/** The stack of the current point (innermost first), without frames above `above`. */
export function currentFrames(above: (...args: never[]) => unknown, limit = 32, max = Infinity): Frame[] {
  const holder: { stack?: string } = {}
  const prev = Error.stackTraceLimit
  Error.stackTraceLimit = limit
  Error.captureStackTrace(holder, above)
  Error.stackTraceLimit = prev
  return framesOf(holder, max)
}

/** LuaJIT's view: frames at a tail-call site are gone (the callee replaced them). */
function visible(frames: Frame[]): Frame[] {
  return frames.filter((f) => !(f.kind === 'lua' && f.site?.tail))
}

/** `chunk:line:` of a Lua frame. */
export const where = (f: Frame): string => `${f.chunk!.name}:${f.line}:`

/** error(msg, level)'s position prefix: the frame `level` levels up from error's caller ('' for a C frame or none). */
export function levelPrefix(level: number, errorFn: (...args: never[]) => unknown): string {
  const frames = visible(currentFrames(errorFn, level + 16, level + 8))
  const f = frames[level - 1]
  return f !== undefined && f.kind === 'lua' ? where(f) + ' ' : ''
}

const BAD_ARG = /^bad argument #(\d+) to '([^']*)'(.*)$/s

/**
 * The Lua error a caught throwable stands for, with its position added once:
 * runtime errors raised by operations get the line of the Lua function that
 * ran them; errors raised by library functions get their Lua caller's line and
 * the callee name LuaJIT shows ("bad argument #1 to 's'", '?' after a tail
 * call, arguments counted without self for methods). JS errors become Lua
 * errors: a stack overflow is "stack overflow", as LuaJIT says it.
 * BudgetExceeded and LuaExit are not Lua errors: callers rethrow them first.
 */
export function settle(e: unknown): LuaError {
  if (e instanceof LuaError && isSettled(e)) return e
  let value: LuaValue
  if (e instanceof LuaError) value = e.value
  else if (e instanceof RangeError && /call stack/i.test(e.message)) value = 'stack overflow'
  else if (e instanceof RangeError && /Invalid (?:string|array) length/.test(e.message)) return markSettled(new LuaError('not enough memory'))
  else value = e instanceof Error ? e.message : String(e)
  if (typeof value === 'string') value = positioned(value, framesOf(e, 8))
  if (e instanceof LuaError && value === e.value) return markSettled(e)
  const out = new LuaError(value)
  // The traceback is where the error was raised, not here.
  if (typeof e === 'object' && e !== null) jsFramesCache.set(out, jsFrames(e))
  return markSettled(out)
}

function positioned(msg: string, frames: Frame[]): string {
  const first = frames[0]
  if (first === undefined) return msg
  if (first.kind === 'lua') return `${where(first)} ${msg}`
  // Raised by a library function: LuaJIT names it and places it from its caller, which is the
  // frame below any that tail-called it (their frames are gone in LuaJIT).
  const caller = visible(frames.slice(1))[0]
  if (caller === undefined || caller.kind !== 'lua') return renamed(msg, undefined, false)
  const site = caller.site
  return `${where(caller)} ${site === undefined ? msg : renamed(msg, site.name, site.method)}`
}

/** "bad argument #n to 'f'" as LuaJIT words it at this call site. */
function renamed(msg: string, name: string | undefined, method: boolean): string {
  const m = BAD_ARG.exec(msg)
  if (!m) return msg
  let n = Number(m[1])
  const fname = name ?? '?'
  if (method) {
    n--
    if (n === 0) return `calling '${fname}' on bad self${m[3]}`
  }
  return `bad argument #${n} to '${fname}'${m[3]}`
}

/**
 * A library function called straight from pcall (`pcall(string.rep)`) raised
 * `e`: LuaJIT shows '?' and no position. True when no Lua frame stands between
 * the raise and the pcall.
 */
export function raisedByDirectCallee(e: unknown, pcallFn: (...args: never[]) => unknown): boolean {
  if (!(e instanceof LuaError) || isSettled(e)) return false
  const frames = framesOf(e, 1)
  // Raised in a Lua function (the usual case): not a library function called by pcall.
  if (frames[0]?.kind === 'lua') return false
  const raised = frames.find((f) => f.kind === 'lua')
  const here = currentFrames(pcallFn, 8, 1).find((f) => f.kind === 'lua')
  if (here === undefined) return raised === undefined
  return raised !== undefined && raised.chunk === here.chunk && raised.line === here.line && raised.site === here.site
}

/** Settles an error raised by a library function called straight from pcall. */
export function settleDirect(e: LuaError): LuaError {
  const v = e.value
  return markSettled(typeof v === 'string' ? new LuaError(renamed(v, undefined, false)) : e)
}

/**
 * A Lua-style traceback of where `e` was raised, for logs: `stack traceback:`
 * then one line per frame. Not byte-for-byte LuaJIT's.
 */
export function traceback(e: unknown): string {
  const frames = framesOf(e)
  const lines = ['stack traceback:']
  for (const f of frames) {
    if (f.kind === 'c') lines.push(`\t[C]: in ${f.jsName ? `function '${f.jsName}'` : '?'}`)
    else {
      const what = f.defined === 0 ? 'main chunk' : f.fname ? `function '${f.fname}'` : `function <${f.chunk!.name}:${f.defined}>`
      lines.push(`\t${where(f)} in ${what}`)
    }
  }
  return lines.join('\n')
}
