/**
 * Dynamic plugin ordering (Kong Enterprise's `ordering`, "legacy" algorithm):
 * `A: {before: {access: [B]}}` and `B: {after: {access: [A]}}` both mean "B
 * depends on A". Plugins are walked in static priority order and each one's
 * whole dependency chain is placed immediately before it, so a plugin moved
 * earlier can jump ahead of unrelated plugins. Only the access phase is
 * reordered. Names that are not in the chain are ignored.
 */
import type { PluginOrdering } from './model.js'

/** Kong's message for a cycle. */
export const MSG_ORDERING_CYCLE = 'There is a circular dependency in the graph. It is not possible to derive a topological sort.'

export type OrderResult = { ok: true; order: string[] } | { ok: false; cycle: string[] }

/**
 * `names`: the plugins of one chain in static priority order.
 * `orderings`: the `ordering` of each name's instance(s); several per name are
 * merged (a consumer-scoped instance may carry its own).
 */
export function orderAccess(names: readonly string[], orderings: ReadonlyMap<string, readonly (PluginOrdering | undefined)[]>): OrderResult {
  const position = new Map(names.map((n, i) => [n, i]))
  const deps = new Map<string, Set<string>>()
  const depend = (later: string, earlier: string) => {
    if (!position.has(later) || !position.has(earlier) || later === earlier) return
    let set = deps.get(later)
    if (!set) deps.set(later, (set = new Set()))
    set.add(earlier)
  }
  for (const [name, list] of orderings) {
    if (!position.has(name)) continue
    for (const o of list) {
      for (const other of o?.before?.access ?? []) depend(other, name)
      for (const other of o?.after?.access ?? []) depend(name, other)
    }
  }
  if (deps.size === 0) return { ok: true, order: [...names] }

  const out: string[] = []
  const done = new Set<string>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const visit = (n: string): string[] | undefined => {
    if (done.has(n)) return undefined
    if (onStack.has(n)) return [...stack.slice(stack.indexOf(n)), n]
    stack.push(n)
    onStack.add(n)
    const before = [...(deps.get(n) ?? [])].sort((a, b) => position.get(a)! - position.get(b)!)
    for (const d of before) {
      const cycle = visit(d)
      if (cycle) return cycle
    }
    stack.pop()
    onStack.delete(n)
    done.add(n)
    out.push(n)
    return undefined
  }
  for (const n of names) {
    const cycle = visit(n)
    if (cycle) return { ok: false, cycle }
  }
  return { ok: true, order: out }
}
