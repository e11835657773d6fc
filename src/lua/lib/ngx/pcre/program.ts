/**
 * The regex engine's instruction set: what compile.ts emits and vm.ts runs.
 * One Inst shape for every instruction keeps the VM's loads monomorphic.
 */
import type { CharSet } from './charset.js'

export const enum Op {
  /** Byte a. */
  Byte,
  /** The literal bytes `lit` (a run of Byte instructions merged; a = its length). */
  Str,
  /** Byte a or byte b (ASCII caseless). */
  Byte2,
  /** Code point a (UTF mode). */
  UChar,
  /** A byte in set a (non-UTF). */
  Set,
  /** A code point in set a (UTF). */
  USet,
  /** Any byte but "\n" / any byte. */
  Any,
  AnyNL,
  /** Any code point but "\n" / any code point (UTF). */
  UAny,
  UAnyNL,
  /** Try a, then b on backtracking. */
  Split,
  Jmp,
  /** Slot a ← position. */
  Save,
  /** Assertion a (AssertCode). */
  Assert,
  /** Backreference to group a; b = 1: caseless; c = 1: an unset group matches empty (J). */
  Backref,
  /** Single-character repeat: test op a, test args b and c, min d, max e (-1: none), mode f; g: the byte that must follow, or -1. */
  Rep,
  AtomicStart,
  /** Ends an atomic group, or a lookaround body. */
  Cut,
  /** Lookaround a (LookKind); its body ends with Cut; continue at b afterwards; slot c holds the start position. */
  Look,
  /** Lookbehind: move back between a and b characters from slot c. */
  Back,
  /** The position must be slot a (a lookbehind body ends where it started). */
  AtSlot,
  /** Slot a ← position (start of an iteration that may match empty). */
  Mark,
  /** After an iteration: if the position is still slot a, leave the loop for b. */
  LoopCheck,
  /** Continue if one of groups `groups` is set, else jump to b. */
  Cond,
  Fail,
  Match,
}

export const enum AssertCode {
  Bol,
  MBol,
  Eol,
  MEol,
  Start,
  End,
  EndNL,
  SearchStart,
  WordB,
  NotWordB,
}

export const enum LookKind {
  Ahead,
  NotAhead,
  Behind,
  NotBehind,
}

export const enum RepMode {
  Greedy,
  Lazy,
  Possessive,
}

export class Inst {
  constructor(
    public op: Op,
    public a = 0,
    public b = 0,
    public c = 0,
    public d = 0,
    public e = 0,
    public f = 0,
    public g = -1,
    public groups: number[] | undefined = undefined,
    public lit = '',
  ) {}
}

export interface Program {
  code: Inst[]
  sets: CharSet[]
  /** Membership of code points 0..255 in each set, negation applied. */
  tables: Uint8Array[]
  /** Capture slots (2 per group, group 0 included) followed by work slots. */
  nslots: number
  ncap: number
  names: [string, number][]
  utf: boolean
  /** Only the search start can match (option a, \G, or ^/\A without multiline). */
  anchored: boolean
  /** ^ or \A starts every alternative: nothing matches past offset 0. */
  startOnly: boolean
  /** `.*` (or a multiline ^) starts every alternative: only the search start and line starts are tried (PCRE2's startline). */
  startLine: boolean
  /** Bytes a match can start with (undefined: any, or the match may be empty). */
  first: Uint8Array | undefined
  /** A byte every match contains (-1: none known): a subject without it cannot match. */
  required: number
  /** Literal bytes every match starts with ('' when none): the search jumps between their occurrences. */
  prefix: string
}
