/**
 * The parsed form of a PCRE pattern, between parse.ts and compile.ts.
 * Characters are code points in UTF mode and bytes otherwise.
 */
import type { CharSet } from './charset.js'

export type AssertKind = 'bol' | 'mbol' | 'eol' | 'meol' | 'A' | 'z' | 'Z' | 'G' | 'b' | 'B'

export type Node =
  | { t: 'empty' }
  | { t: 'char'; c: number; ci: boolean }
  /** `.`; nl: also matches "\n" (dotall). */
  | { t: 'any'; nl: boolean }
  | { t: 'set'; set: CharSet }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; alts: Node[] }
  /** cap: the group number, or -1 for a non-capturing group. */
  | { t: 'group'; cap: number; body: Node }
  | { t: 'repeat'; body: Node; min: number; max: number; mode: RepeatMode }
  | { t: 'assert'; kind: AssertKind }
  /** at: the byte offset of its '(' (where PCRE2 reports a lookbehind's length error). */
  | { t: 'look'; ahead: boolean; neg: boolean; body: Node; at?: number }
  | { t: 'atomic'; body: Node }
  /** A backreference; a name is resolved to its group numbers after parsing. */
  | { t: 'backref'; groups: number[]; name?: string; ci: boolean }
  /** (?(n)yes|no) or (?(<name>)...): `groups` is tested; or a lookaround condition. */
  | { t: 'cond'; groups: number[]; name?: string; look?: Node; yes: Node; no: Node }
  /** \K: the match starts here. */
  | { t: 'keep' }
  | { t: 'fail' }

export type RepeatMode = 'greedy' | 'lazy' | 'possessive'

/** Unbounded repeat. */
export const INF = -1

export interface Parsed {
  node: Node
  /** Number of capturing groups. */
  ncap: number
  /** Named groups in pattern order: [name, group number]. */
  names: [string, number][]
}

/** A compile error in PCRE2's words, with the byte offset PCRE2 would report. */
export class PcreError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message)
  }
}
