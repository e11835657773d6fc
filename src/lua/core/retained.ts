/**
 * Measuring what Lua keeps between runs. A chunk's globals and the upvalues
 * of the functions it keeps live as long as the config (as Kong keeps them
 * per worker), so a snippet that appends to them on every request would grow
 * the process without bound; the per-run byte budget cannot see it, since
 * each run creates little. The engine measures the state reachable from a
 * chunk's roots now and then (engine-retained.ts says when) and starts an
 * oversized chunk afresh.
 *
 * The walk sees tables (array, hash, metatable), strings, Lua functions
 * through the upvalue list compiled code gives every closure (`up`), and
 * coroutines. A suspended coroutine's frames are out of reach, so it counts
 * as everything it allocated while it ran: an upper bound of what its frames
 * can hold. Library tables (read-only) belong to the process and are not
 * counted. Sizes follow the charges of the per-run budget; a string counts
 * once per reference to it.
 */
import { LuaTable, type LuaFunction, type LuaValue } from './value.js'

/** The property compiled closures carry: their upvalues' current values. */
export const UPVALUES = Symbol('lua upvalues')

type WithUpvalues = LuaFunction & { [UPVALUES]?: () => LuaValue[] }

/** Gives closure `f` the list of its upvalues (compiled code: `$up(function ..., () => [a, b])`). */
export function up<F extends LuaFunction>(f: F, get: () => LuaValue[]): F {
  ;(f as WithUpvalues)[UPVALUES] = get
  return f
}

/** A coroutine as the walk sees it (compiler/coroutine.ts). */
export interface KeptThread {
  readonly luaThread: true
  readonly fn: LuaFunction
  /** Bytes created or taken while it ran. */
  kept: number
}

const TABLE_BYTES = 64
const SLOT_BYTES = 16
const FUNCTION_BYTES = 64
const THREAD_BYTES = 512

/** A walk over several roots: objects reached from an earlier root are not counted again. */
export class RetainedWalk {
  private readonly seen = new Set<object>()

  /**
   * Bytes reachable from `roots` not yet counted by this walk. Stops early
   * once past `limit` (the answer is then some value above it), so a walk
   * costs at most about `limit` bytes' worth of objects.
   */
  measure(roots: readonly LuaValue[], limit: number): number {
    let total = 0
    const stack: LuaValue[] = [...roots]
    while (stack.length > 0 && total <= limit) {
      const v = stack.pop()
      if (typeof v === 'string') {
        // Per reference: telling two references to one string apart would mean hashing (and
        // flattening) every long string, tens of ms for a few dozen MiB. An upper bound.
        total += v.length
        continue
      }
      if (typeof v !== 'object' && typeof v !== 'function') continue
      if (this.seen.has(v)) continue
      this.seen.add(v)
      if (v instanceof LuaTable) {
        if (v.readonlyName !== undefined) continue
        total += TABLE_BYTES + SLOT_BYTES * (v.arr.length + (v.hash?.size ?? 0))
        if (total > limit) break
        for (const x of v.arr) if (typeof x === 'object' || typeof x === 'function' || typeof x === 'string') stack.push(x)
        if (v.hash !== undefined) for (const [k, x] of v.hash) stack.push(k, x)
        if (v.metatable !== undefined) stack.push(v.metatable)
      } else if (typeof v === 'function') {
        const get = (v as WithUpvalues)[UPVALUES]
        if (get === undefined) continue
        total += FUNCTION_BYTES
        let ups: LuaValue[]
        try {
          ups = get()
        } catch {
          continue // an upvalue not yet initialised (a local declared after the closure)
        }
        total += SLOT_BYTES * ups.length
        for (const x of ups) stack.push(x)
      } else if ('luaThread' in v) {
        const t = v as KeptThread
        total += THREAD_BYTES + t.kept
        stack.push(t.fn)
      }
    }
    return total
  }
}
