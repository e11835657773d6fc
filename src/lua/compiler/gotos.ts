/**
 * goto and labels (LuaJIT 2.1 has them) in JS, which has only labelled
 * break/continue. For each block that holds labels, the gotos that reach them
 * decide the shape:
 *
 * - a forward goto (`goto continue` ... `::continue::`) wraps the statements
 *   from the one holding the goto up to the label in a labelled block and
 *   becomes `break`;
 * - a backward goto (`::retry::` ... `goto retry`) wraps the statements from
 *   the label to the end of the block in `for (;;) { ...; break }` and becomes
 *   `continue` (metered like any loop back-edge).
 *
 * Lua forbids jumping into the scope of a local, so the wrappers never hide a
 * local from code that may use it. When wrappers would cross (a forward goto
 * over a label that is also jumped back to), the block becomes a small state
 * machine instead: `switch` over segments inside a loop, with the block's
 * locals declared before it. That form shares one variable per local across
 * backward jumps, which only a closure capturing it could tell apart.
 */
import type * as L from 'luaparse'

export interface GotoPlan {
  kind: 'structured' | 'machine'
  /** structured: code to emit before statement i (closes of inner wrappers first, then opens). */
  before: Map<number, string[]>
  /** machine: its JS label and the segment each label starts. */
  machine?: { label: string; state: string; segments: number[] }
  /** JS code for each goto that targets this block's labels. */
  jumps: Map<L.GotoStatement, string>
}

/** The statement lists nested directly in a statement (not inside functions). */
export function childBlocks(s: L.Statement): L.Statement[][] {
  switch (s.type) {
    case 'DoStatement':
    case 'WhileStatement':
    case 'RepeatStatement':
    case 'ForNumericStatement':
    case 'ForGenericStatement':
      return [s.body]
    case 'IfStatement':
      return s.clauses.map((c) => c.body)
    default:
      return []
  }
}

const definesLabel = (stmts: L.Statement[], name: string): boolean => stmts.some((s) => s.type === 'LabelStatement' && s.label.name === name)

/** Gotos to `name` inside `s` that resolve to a label of the enclosing block (not one of a nested block). */
function gotosIn(s: L.Statement, name: string, out: L.GotoStatement[]): void {
  if (s.type === 'GotoStatement') {
    if (s.label.name === name) out.push(s)
    return
  }
  for (const b of childBlocks(s)) {
    if (definesLabel(b, name)) continue
    for (const c of b) gotosIn(c, name, out)
  }
}

interface Wrapper {
  start: number
  end: number
  open: string
  close: string
}

/** Plans a block's labels; undefined when it has none. `uid` names JS labels; `budget` is the back-edge check. */
export function planGotos(stmts: L.Statement[], uid: () => number, budget: string): GotoPlan | undefined {
  const labels: { name: string; at: number }[] = []
  stmts.forEach((s, i) => {
    if (s.type === 'LabelStatement') labels.push({ name: s.label.name, at: i })
  })
  if (labels.length === 0) return undefined
  const n = stmts.length
  const jumps = new Map<L.GotoStatement, string>()
  const forward: { label: string; start: number; end: number; gotos: L.GotoStatement[] }[] = []
  const backward: { label: string; start: number; gotos: L.GotoStatement[] }[] = []
  const targets: { at: number; fwd: L.GotoStatement[]; back: L.GotoStatement[] }[] = []
  for (const { name, at } of labels) {
    const fwd: L.GotoStatement[] = []
    const back: L.GotoStatement[] = []
    let first = at
    stmts.forEach((s, i) => {
      const found: L.GotoStatement[] = []
      gotosIn(s, name, found)
      if (found.length === 0) return
      if (i < at) {
        fwd.push(...found)
        first = Math.min(first, i)
      } else back.push(...found)
    })
    targets.push({ at, fwd, back })
    if (fwd.length > 0) forward.push({ label: `$fw${uid()}`, start: first, end: at, gotos: fwd })
    if (back.length > 0) backward.push({ label: `$bw${uid()}`, start: at, gotos: back })
  }
  // Forward blocks that overlap become nested: the later one starts where the earlier one does.
  forward.sort((a, b) => a.end - b.end)
  for (let changed = true; changed;) {
    changed = false
    for (let i = 0; i < forward.length; i++)
      for (let j = i + 1; j < forward.length; j++) {
        const a = forward[i]!
        const b = forward[j]!
        if (b.start > a.start && b.start < a.end) {
          b.start = a.start
          changed = true
        }
      }
  }
  const crossing = forward.some((f) => backward.some((b) => f.start < b.start && b.start < f.end))
  if (crossing) {
    const label = `$sm${uid()}`
    const state = `$st${uid()}`
    targets.forEach((t, k) => {
      for (const g of [...t.fwd, ...t.back]) jumps.set(g, `{ ${state} = ${k + 1}; continue ${label}; }`)
    })
    return { kind: 'machine', before: new Map(), machine: { label, state, segments: labels.map((l) => l.at) }, jumps }
  }
  const wrappers: Wrapper[] = []
  for (const f of forward) {
    for (const g of f.gotos) jumps.set(g, `break ${f.label};`)
    wrappers.push({ start: f.start, end: f.end, open: `${f.label}: {`, close: '}' })
  }
  for (const b of backward) {
    for (const g of b.gotos) jumps.set(g, `continue ${b.label};`)
    wrappers.push({ start: b.start, end: n, open: `${b.label}: for (;;) { ${budget}`, close: `break ${b.label}; }` })
  }
  // Outer wrappers open first and close last.
  wrappers.sort((a, b) => a.start - b.start || b.end - a.end)
  const before = new Map<number, string[]>()
  const add = (i: number, code: string): void => {
    const list = before.get(i)
    if (list) list.push(code)
    else before.set(i, [code])
  }
  const closes = [...wrappers].sort((a, b) => a.end - b.end || b.start - a.start)
  for (let i = 0; i <= n; i++) {
    for (const w of closes) if (w.end === i) add(i, w.close)
    for (const w of wrappers) if (w.start === i) add(i, w.open)
  }
  return { kind: 'structured', before, jumps }
}
