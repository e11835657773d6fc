/**
 * How LuaJIT shows a chunk name in messages (lj_debug_shortname, LUA_IDSIZE
 * 60): `=name` is shown as `name`, `@file` as the file name (its tail when
 * long), anything else is source text shown as `[string "first line..."]`.
 * Names are byte strings, like every Lua string here.
 */

const IDSIZE = 60

/** The name LuaJIT puts before `:line:` for a chunk named `chunkname`. */
export function shortName(chunkname: string): string {
  const nul = chunkname.indexOf('\0')
  const name = nul < 0 ? chunkname : chunkname.slice(0, nul)
  if (name.startsWith('=')) return name.slice(1, IDSIZE)
  if (name.startsWith('@')) {
    const file = name.slice(1)
    return file.length >= IDSIZE ? '...' + file.slice(file.length - (IDSIZE - 4)) : file
  }
  // Source text: up to its first control character, cut at 45 bytes when longer than 48.
  let len = 0
  while (len < name.length && len < 48 && name.charCodeAt(len) >= 0x20) len++
  if (len < name.length) return `[string "${name.slice(0, Math.min(len, 45))}..."]`
  return `[string "${name}"]`
}
