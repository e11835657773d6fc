/**
 * The backtracking matcher: runs a Program over a byte string with PCRE's
 * leftmost-first semantics (or the longest match at the leftmost position in
 * DFA mode). Its backtrack stack is an explicit array of 4-number entries, so
 * no pattern can overflow the JS stack.
 *
 * Every instruction executed and every character a repeat consumes is a step
 * charged to the run's budget (B.steps), and the backtrack stack's growth is
 * charged as memory (B.alloc): a catastrophic pattern ends in
 * BudgetExceeded like any runaway Lua loop, and cannot stall the event loop.
 * Outside a metered run, PCRE2's own match limit (10,000,000) applies and the
 * match fails with PCRE2_ERROR_MATCHLIMIT (-47).
 */
import { B } from '../../../core/budget.js'
import { AssertCode, LookKind, Op, RepMode, type Inst, type Program } from './program.js'
import { charLen, decodeAt, prevChar } from './utf8.js'
import { caseVariants } from './charset.js'

/** PCRE2's default match limit, and its error code. */
export const MATCH_LIMIT = 10_000_000
export const ERROR_MATCHLIMIT = -47

const CHUNK = 1024
const BT_ALT = 0
const BT_UNDO = 1
const BT_REP_G = 2
const BT_REP_L = 3
const BT_BARRIER = 4
const BT_BACK = 5

class MatchLimit extends Error {}

/**
 * The state of a search. One machine serves every search: a search never
 * calls out (gsub's callback runs between searches), so searches do not nest,
 * and reusing the backtrack stack saves an allocation per call.
 */
class Machine {
  st: number[] = []
  top = 0
  left = CHUNK
  total = 0
  charged = 0
  best = -1
  prog!: Program
  s = ''
  slots!: Int32Array
  searchStart = 0
  dfa = false

  reset(prog: Program, s: string, slots: Int32Array, searchStart: number, dfa: boolean): void {
    this.prog = prog
    this.s = s
    this.slots = slots
    this.searchStart = searchStart
    this.dfa = dfa
    this.top = 0
    this.left = CHUNK
    this.total = 0
    this.charged = 0
    this.best = -1
  }

  /** A chunk of steps is used up (a repeat may overdraw it): charge it (may throw BudgetExceeded). */
  meter(): void {
    const used = CHUNK - this.left
    this.total += used
    if (this.total > MATCH_LIMIT) throw new MatchLimit()
    this.left = CHUNK
    B.steps(used)
    if (this.top > this.charged + 4096) {
      B.alloc((this.top - this.charged) * 8)
      this.charged = this.top
    }
  }

  /** One character matching test `op` (args a, b) at `p`: the position after it, or -1. */
  one(op: Op, a: number, b: number, p: number): number {
    const s = this.s
    if (p >= s.length) return -1
    const c = s.charCodeAt(p)
    switch (op) {
      case Op.Byte:
        return c === a ? p + 1 : -1
      case Op.Byte2:
        return c === a || c === b ? p + 1 : -1
      case Op.Set:
        return this.prog.tables[a]![c] === 1 ? p + 1 : -1
      case Op.Any:
        return c !== 10 ? p + 1 : -1
      case Op.AnyNL:
        return p + 1
      case Op.UChar:
        return c < 0x80 ? (c === a ? p + 1 : -1) : decodeAt(s, p) === a ? p + charLen(c) : -1
      case Op.USet: {
        if (c < 0x80) return this.prog.tables[a]![c] === 1 ? p + 1 : -1
        return this.prog.sets[a]!.has(decodeAt(s, p)) ? p + charLen(c) : -1
      }
      case Op.UAny:
        return c !== 10 ? p + charLen(c) : -1
      case Op.UAnyNL:
        return p + charLen(c)
    }
    return -1
  }

  /** Consumes up to `max` (-1: unlimited) characters of a Rep's test from `p`: the end, with the count in `scanned`. */
  scan(inst: Inst, p: number, max: number): number {
    const s = this.s
    const n = s.length
    // Byte-wise tests run in a tight loop; the others go through one().
    if (inst.a === Op.Set) {
      const table = this.prog.tables[inst.b]!
      const end = max < 0 ? n : Math.min(n, p + max)
      let q = p
      while (q < end && table[s.charCodeAt(q)] === 1) q++
      this.scanned = q - p
      return q
    }
    if (inst.a === Op.AnyNL) {
      const q = max < 0 ? n : Math.min(n, p + max)
      this.scanned = q - p
      return q
    }
    if (inst.a === Op.Any) {
      const end = max < 0 ? n : Math.min(n, p + max)
      let q = p
      while (q < end && s.charCodeAt(q) !== 10) q++
      this.scanned = q - p
      return q
    }
    const limit = max < 0 ? n : Math.min(n, max)
    let count = 0
    let q = p
    while (count < limit) {
      const r = this.one(inst.a, inst.b, inst.c, q)
      if (r < 0) break
      q = r
      count++
    }
    this.scanned = count
    return q
  }

  scanned = 0

  back(p: number): number {
    return this.prog.utf ? prevChar(this.s, p) : p - 1
  }

  assert(code: AssertCode, sp: number): boolean {
    const s = this.s
    const n = s.length
    switch (code) {
      case AssertCode.Bol:
      case AssertCode.Start:
        return sp === 0
      case AssertCode.MBol:
        return sp === 0 || (sp < n && s.charCodeAt(sp - 1) === 10)
      case AssertCode.Eol:
      case AssertCode.EndNL:
        return sp === n || (sp === n - 1 && s.charCodeAt(sp) === 10)
      case AssertCode.MEol:
        return sp === n || s.charCodeAt(sp) === 10
      case AssertCode.End:
        return sp === n
      case AssertCode.SearchStart:
        return sp === this.searchStart
      case AssertCode.WordB:
      case AssertCode.NotWordB: {
        // \w is ASCII-only (no PCRE2_UCP), so bytes decide in UTF mode too.
        const before = sp > 0 && isWord(s.charCodeAt(sp - 1))
        const after = sp < n && isWord(s.charCodeAt(sp))
        return (before !== after) === (code === AssertCode.WordB)
      }
    }
    return false
  }

  /** Backreference to the first set group of `groups`: the position after it, or -1. */
  backref(inst: Inst, sp: number): number {
    const slots = this.slots
    let g = inst.a
    if (inst.groups !== undefined) {
      g = -1
      for (const x of inst.groups)
        if (slots[2 * x + 1]! >= 0) {
          g = x
          break
        }
    }
    const from = g < 0 ? -1 : slots[2 * g]!
    const to = g < 0 ? -1 : slots[2 * g + 1]!
    if (from < 0 || to < 0) return inst.c === 1 ? sp : -1
    const len = to - from
    const s = this.s
    if (sp + len > s.length) return -1
    if (inst.b === 0) return s.startsWith(s.slice(from, to), sp) ? sp + len : -1
    return caselessEqual(s, from, to, sp, this.prog.utf)
  }

  /** Runs from `start`; true on a match (slots filled), false when none starts there. */
  run(start: number): boolean {
    const code = this.prog.code
    const tables = this.prog.tables
    const s = this.s
    const n = s.length
    const slots = this.slots
    const st = this.st
    // The hot state lives in locals; `top` and `left` are written back before helpers that read them.
    let top = 0
    let left = this.left
    let pc = 0
    let sp = start
    for (;;) {
      // Forward: execute until an instruction fails.
      forward: for (;;) {
        if (--left < 0) {
          this.top = top
          this.left = left
          this.meter()
          left = this.left
        }
        const inst = code[pc]!
        switch (inst.op) {
          case Op.Byte:
            if (sp < n && s.charCodeAt(sp) === inst.a) {
              sp++
              pc++
              continue
            }
            break forward
          case Op.Str:
            if (s.startsWith(inst.lit, sp)) {
              sp += inst.a
              pc++
              continue
            }
            break forward
          case Op.Byte2: {
            const c = sp < n ? s.charCodeAt(sp) : -1
            if (c === inst.a || c === inst.b) {
              sp++
              pc++
              continue
            }
            break forward
          }
          case Op.Set:
            if (sp < n && tables[inst.a]![s.charCodeAt(sp)] === 1) {
              sp++
              pc++
              continue
            }
            break forward
          case Op.Any:
          case Op.AnyNL:
          case Op.UChar:
          case Op.USet:
          case Op.UAny:
          case Op.UAnyNL: {
            const r = this.one(inst.op, inst.a, inst.b, sp)
            if (r < 0) break forward
            sp = r
            pc++
            continue
          }
          case Op.Split:
            st[top] = BT_ALT
            st[top + 1] = inst.b
            st[top + 2] = sp
            st[top + 3] = 0
            top += 4
            pc = inst.a
            continue
          case Op.Jmp:
            pc = inst.a
            continue
          case Op.Save:
          case Op.Mark:
            st[top] = BT_UNDO
            st[top + 1] = inst.a
            st[top + 2] = slots[inst.a]!
            st[top + 3] = 0
            top += 4
            slots[inst.a] = sp
            pc++
            continue
          case Op.LoopCheck:
            pc = sp === slots[inst.a] ? inst.b : pc + 1
            continue
          case Op.AtSlot:
            if (sp !== slots[inst.a]) break forward
            pc++
            continue
          case Op.Assert:
            if (!this.assert(inst.a, sp)) break forward
            pc++
            continue
          case Op.Backref: {
            const r = this.backref(inst, sp)
            if (r < 0) break forward
            sp = r
            pc++
            continue
          }
          case Op.Rep: {
            const min = inst.d
            let p = sp
            if (min > 0) {
              p = this.scan(inst, sp, min)
              if (this.scanned < min) break forward
              left -= this.scanned
            }
            if (inst.f === RepMode.Lazy) {
              if (inst.e !== min) {
                st[top] = BT_REP_L
                st[top + 1] = pc
                st[top + 2] = min
                st[top + 3] = p
                top += 4
              }
              sp = p
              pc++
              continue
            }
            let q = p
            if (inst.e !== min) {
              q = this.scan(inst, p, inst.e < 0 ? -1 : inst.e - min)
              left -= this.scanned
            }
            if (inst.f === RepMode.Greedy && q > p) {
              st[top] = BT_REP_G
              st[top + 1] = pc
              st[top + 2] = p
              st[top + 3] = q
              top += 4
            }
            sp = q
            pc++
            continue
          }
          case Op.AtomicStart:
            st[top] = BT_BARRIER
            st[top + 1] = pc
            st[top + 2] = sp
            st[top + 3] = 0
            top += 4
            pc++
            continue
          case Op.Look:
            st[top] = BT_UNDO
            st[top + 1] = inst.c
            st[top + 2] = slots[inst.c]!
            st[top + 3] = 0
            st[top + 4] = BT_BARRIER
            st[top + 5] = pc
            st[top + 6] = sp
            st[top + 7] = 0
            top += 8
            slots[inst.c] = sp
            pc++
            continue
          case Op.Cut: {
            let bi = top - 4
            while (st[bi] !== BT_BARRIER) bi -= 4
            const opener = code[st[bi + 1]!]!
            if (opener.op === Op.Look && (opener.a === LookKind.NotAhead || opener.a === LookKind.NotBehind)) {
              // The negated body matched: undo what it did, and the assertion fails.
              for (let r = top - 4; r > bi; r -= 4) if (st[r] === BT_UNDO) slots[st[r + 1]!] = st[r + 2]!
              top = bi
              break forward
            }
            // Keep only the undo entries above the barrier: its alternatives are cut off.
            let w = bi
            for (let r = bi + 4; r < top; r += 4) {
              if (st[r] !== BT_UNDO) continue
              st[w] = BT_UNDO
              st[w + 1] = st[r + 1]!
              st[w + 2] = st[r + 2]!
              w += 4
            }
            const saved = st[bi + 2]!
            top = w
            if (opener.op === Op.Look) {
              sp = saved
              pc = opener.b
            } else pc++
            continue
          }
          case Op.Back: {
            let p = slots[inst.c]!
            for (let k = 0; k < inst.a; k++) {
              if (p <= 0) break forward
              p = this.back(p)
            }
            if (inst.b > inst.a && p > 0) {
              st[top] = BT_BACK
              st[top + 1] = pc
              st[top + 2] = inst.a
              st[top + 3] = p
              top += 4
            }
            sp = p
            pc++
            continue
          }
          case Op.Cond: {
            let set = false
            for (const g of inst.groups!) if (slots[2 * g + 1]! >= 0) set = true
            pc = set ? pc + 1 : inst.b
            continue
          }
          case Op.Fail:
            break forward
          case Op.Match:
            if (!this.dfa) {
              this.left = left
              return true
            }
            if (sp > this.best) this.best = sp
            break forward
        }
      }
      // Backtrack: pop entries until one gives an alternative.
      resume: for (;;) {
        if (top === 0) {
          this.left = left
          return false
        }
        if (--left < 0) {
          this.top = top
          this.left = left
          this.meter()
          left = this.left
        }
        const t = top - 4
        switch (st[t]) {
          case BT_ALT:
            pc = st[t + 1]!
            sp = st[t + 2]!
            top = t
            break resume
          case BT_UNDO:
            slots[st[t + 1]!] = st[t + 2]!
            top = t
            continue
          case BT_REP_G: {
            const rep = code[st[t + 1]!]!
            const min = st[t + 2]!
            let p = this.back(st[t + 3]!)
            // When a literal byte must follow, positions without it cannot succeed.
            if (rep.g >= 0) while (p >= min && s.charCodeAt(p) !== rep.g) p = this.back(p)
            if (p < min) {
              top = t
              continue
            }
            if (p > min) st[t + 3] = p
            else top = t
            pc = st[t + 1]! + 1
            sp = p
            break resume
          }
          case BT_REP_L: {
            const rep = code[st[t + 1]!]!
            const count = st[t + 2]!
            const q = rep.e >= 0 && count >= rep.e ? -1 : this.one(rep.a, rep.b, rep.c, st[t + 3]!)
            if (q < 0) {
              top = t
              continue
            }
            st[t + 2] = count + 1
            st[t + 3] = q
            pc = st[t + 1]! + 1
            sp = q
            break resume
          }
          case BT_BARRIER: {
            top = t
            const opener = code[st[t + 1]!]!
            if (opener.op === Op.Look && (opener.a === LookKind.NotAhead || opener.a === LookKind.NotBehind)) {
              // The negated body failed everywhere: the assertion holds.
              sp = st[t + 2]!
              pc = opener.b
              break resume
            }
            continue
          }
          case BT_BACK: {
            const inst = code[st[t + 1]!]!
            const k = st[t + 2]! + 1
            const p = this.back(st[t + 3]!)
            if (k >= inst.b || p <= 0) top = t
            else {
              st[t + 2] = k
              st[t + 3] = p
            }
            pc = st[t + 1]! + 1
            sp = p
            break resume
          }
        }
      }
    }
  }
}

function isWord(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f
}

/** Caseless comparison of s[from..to) with the text at `sp`: the position after it, or -1. */
function caselessEqual(s: string, from: number, to: number, sp: number, utf: boolean): number {
  let p = from
  let q = sp
  while (p < to) {
    if (q >= s.length) return -1
    const a = s.charCodeAt(p)
    const b = s.charCodeAt(q)
    if (!utf || (a < 0x80 && b < 0x80)) {
      if (a !== b && (a | 0x20) !== (b | 0x20)) return -1
      if (a !== b && !((a | 0x20) >= 0x61 && (a | 0x20) <= 0x7a)) return -1
      p++
      q++
      continue
    }
    const x = decodeAt(s, p)
    const y = decodeAt(s, q)
    if (x !== y && !caseVariants(x).includes(y)) return -1
    p += charLen(a)
    q += charLen(b)
  }
  return q
}

/**
 * Searches `s` from `searchStart`: 1 with `slots` filled on a match, 0 when
 * there is none, or a PCRE2 error code.
 */
export function execProgram(prog: Program, s: string, searchStart: number, dfa: boolean, slots: Int32Array): number {
  slots.fill(-1)
  if (prog.startOnly && searchStart > 0) return 0
  if (prog.required >= 0) {
    B.steps((s.length - searchStart) >> 6)
    if (s.indexOf(String.fromCharCode(prog.required), searchStart) < 0) return 0
  }
  const m = machine
  m.reset(prog, s, slots, searchStart, dfa)
  const n = s.length
  const first = prog.first
  const prefix = prog.prefix
  try {
    for (let start = searchStart; start <= n;) {
      if (prefix !== '' && !prog.anchored) {
        start = s.indexOf(prefix, start)
        if (start < 0) break
      } else if (first !== undefined) {
        // An anchored search has one start position: it must not move on.
        if (prog.anchored) {
          if (start >= n || first[s.charCodeAt(start)] !== 1) break
        } else {
          while (start < n && first[s.charCodeAt(start)] !== 1) start++
          if (start >= n) break
        }
      }
      if (--m.left < 0) m.meter()
      m.best = -1
      if (m.run(start)) return 1
      if (dfa && m.best >= 0) {
        slots[0] = start
        slots[1] = m.best
        return 1
      }
      if (prog.anchored) break
      if (prog.startLine) {
        // PCRE2's startline: the next try is just after the next newline.
        const nl = s.indexOf('\n', start)
        if (nl < 0) break
        start = nl + 1
        continue
      }
      start += prog.utf && start < n ? charLen(s.charCodeAt(start)) : 1
    }
  } catch (e) {
    if (e instanceof MatchLimit) return ERROR_MATCHLIMIT
    throw e
  } finally {
    B.steps(CHUNK - m.left)
    // Drop the subject; keep the stack array for reuse unless a long search grew it.
    m.s = ''
    if (m.st.length > 1 << 16) m.st = []
  }
  return 0
}

const machine = new Machine()
