/**
 * What one budget check pays for. Compiled code checks the budget at every
 * function entry and loop back-edge; if each check cost one instruction, a
 * loop whose body is 5,000 statements long would do 5,000 statements' work
 * per instruction, and the budget (and the clock, read once per slice of
 * instructions) would let it hold the event loop for seconds. So each check
 * is charged the size of the code it pays for, counted here at compile time:
 * the AST nodes of the body, about four to an instruction (`a = a + 1` is
 * five nodes, two instructions; LuaJIT's bytecode for it is one or two).
 *
 * Nested functions and loops are not counted in their parent: a closure
 * charges its body at its own entry, a loop its body at its own back-edge.
 * Both branches of an `if` are counted, so the charge is an upper bound.
 */
import type * as L from 'luaparse'

/** AST nodes per instruction charged. */
const NODES_PER_INSTRUCTION = 4

/** The budget check for code of `weight` instructions (a plain decrement for the common weight 1). */
export function budgetCheck(weight: number): string {
  return weight <= 1 ? 'if (--B.left < 0) B.out();' : `if ((B.left -= ${weight}) < 0) B.out();`
}

/** The instructions one pass over `nodes` costs (at least 1). */
export function weigh(nodes: readonly unknown[]): number {
  let n = 0
  const stack: unknown[] = [...nodes]
  while (stack.length > 0) {
    const x = stack.pop()
    if (x === null || typeof x !== 'object') continue
    if (Array.isArray(x)) {
      for (const y of x) stack.push(y)
      continue
    }
    const node = x as L.Node
    if (typeof node.type !== 'string') continue
    n++
    switch (node.type) {
      case 'FunctionDeclaration':
      case 'WhileStatement':
      case 'RepeatStatement':
        continue
      case 'ForNumericStatement':
        // Start, limit and step are evaluated once, here; the body charges itself.
        stack.push(node.start, node.end, node.step)
        continue
      case 'ForGenericStatement':
        stack.push(node.iterators)
        continue
    }
    for (const [k, v] of Object.entries(node)) if (k !== 'loc' && k !== 'range' && typeof v === 'object') stack.push(v)
  }
  return Math.max(1, Math.ceil(n / NODES_PER_INSTRUCTION))
}
