/**
 * Gotos, labels and breaks, resolved as LuaJIT resolves them (lj_parse.c's
 * gola_* functions): each block keeps its locals, its labels and the jumps
 * still waiting for a label; a block's end settles them or hands them out to
 * the enclosing block, and a function's end reports what is left. The
 * token walk (scopes.ts) says when blocks begin and end; the first error found
 * here is `flow`, raised at the token where LuaJIT raises it.
 */
import type { Candidate } from './tokens.js'

/** The name a break waits for: no label can be called that. */
export const BREAK = ' break'

/** A goto (or break) waiting for its label, or a label, in LuaJIT's order of creation (`seq`). */
interface Entry {
  name: string
  /** Locals of the block active at this point (a trailing label counts none). */
  slot: number
  line: number
  seq: number
  done: boolean
}

export interface Block {
  vars: string[]
  /** Labels defined in this block (they resolve gotos until the block ends). */
  labels: Map<string, Entry>
  /** Gotos and breaks of this block and of the blocks inside it that ended. */
  gotos: Entry[]
  /** The enclosing block's local count when this block began. */
  parentSlot: number
  loop: boolean
  fnTop: boolean
}

/** A block beginning inside `parent` (none at the top of a function). */
export function newBlock(parent: Block | undefined, loop: boolean, fnTop: boolean): Block {
  return { vars: [], labels: new Map(), gotos: [], parentSlot: parent ? parent.vars.length : 0, loop, fnTop }
}

export class Gotos {
  /** The first goto/label/break error, if any. */
  flow: Candidate | undefined
  /** The labels read since the last statement that was not a label. */
  private run: { entry: Entry; block: Block }[] = []
  private seq = 0

  /** A goto to `name` (or a break, BREAK) at the current point of block `b`. */
  jump(b: Block, name: string, line: number): void {
    b.gotos.push({ name, slot: b.vars.length, line, seq: this.seq++, done: false })
  }

  /** Label `name` in block `b`; a duplicate is an error at token `after` (the closing '::'). */
  label(b: Block, name: string, line: number, after: number, afterLine: number): void {
    if (b.labels.has(name)) {
      this.flow = { line: afterLine, message: `duplicate label '${name}'`, near: undefined, pos: after, rank: 1 }
      return
    }
    const entry: Entry = { name, slot: b.vars.length, line, seq: this.seq++, done: false }
    b.labels.set(name, entry)
    this.run.push({ entry, block: b })
  }

  /** Labels were read that no statement has followed yet. */
  get pending(): boolean {
    return this.run.length > 0
  }

  /**
   * lj_parse.c gola_resolve, once a run of labels is read (at token `at`): the
   * gotos before each label jump to it. `trailing`: the labels end their block,
   * so no local of the block is in their scope.
   */
  settle(at: number, trailing: boolean): void {
    for (let r = this.run.length - 1; r >= 0 && !this.flow; r--) {
      const { entry, block } = this.run[r]!
      if (trailing) entry.slot = 0
      for (const g of block.gotos) {
        if (g.seq > entry.seq) break
        if (g.done || g.name !== entry.name) continue
        if (g.slot < entry.slot) {
          const message = `<goto ${g.name}> jumps into the scope of local '${block.vars[g.slot] ?? '?'}'`
          this.flow = { line: g.line, message, near: undefined, pos: at, rank: 1 }
          break
        }
        g.done = true
      }
    }
    this.run = []
  }

  /** Forgets the labels read: the walk stops before LuaJIT would settle them. */
  drop(): void {
    this.run = []
  }

  /**
   * lj_parse.c gola_fixup, as block `b` ends at token `at`: breaks end at their
   * loop, a label takes the gotos after it, the rest move out to `parent`; with
   * no parent (a function's end) they are errors.
   */
  fixup(b: Block, parent: Block | undefined, at: number): void {
    for (const g of b.gotos) {
      if (g.done || (b.loop && g.name === BREAK)) continue
      if (b.labels.has(g.name)) g.done = true
      else if (parent) parent.gotos.push({ ...g, slot: b.parentSlot })
      else if (!this.flow) {
        const message = g.name === BREAK ? 'no loop to break' : `undefined label '${g.name}'`
        this.flow = { line: g.line, message, near: undefined, pos: at, rank: 3 }
      }
    }
  }
}
