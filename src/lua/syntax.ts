/** PLACEHOLDER until the helper's version lands: a VM-free Lua syntax check. */
import { createRequire } from 'node:module'

export interface LuaSyntaxError {
  line: number
  message: string
  raw: string
}

let parse: ((src: string, opts: object) => unknown) | undefined

export function checkLua(source: string): LuaSyntaxError | undefined {
  parse ??= (createRequire(import.meta.url)('luaparse') as { parse: (src: string, opts: object) => unknown }).parse
  try {
    parse(source, { luaVersion: 'LuaJIT', comments: false })
    return undefined
  } catch (e) {
    const err = e as { line?: number; message: string }
    const message = err.message.replace(/^\[\d+:\d+\] /, '').replace(/^<expression> expected near/, 'unexpected symbol near')
    const first = source.split(/[\n\r]/)[0] ?? ''
    const id = first.length < source.length || first.length > 43 ? `${first.slice(0, 43)}...` : first
    return { line: err.line ?? 1, message, raw: `[string "${id}"]:${err.line ?? 1}: ${message}` }
  }
}

export function checkLuaExpression(expr: string): LuaSyntaxError | undefined {
  return checkLua(`return (${expr}\n)`)
}
