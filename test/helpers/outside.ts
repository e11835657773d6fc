/**
 * Data the tests read from outside the repository: `../shared/corpus`, the
 * real-world kong.yml files cloned beside the checkout (CI always has them; a
 * fresh clone does not). Tests that use it run in full when it is there and,
 * when it is not, pass with one assertion that says what was not checked and
 * why, so `npm test` passes anywhere and nobody mistakes the gap for coverage.
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Test } from 'tap'

/** `../shared/corpus` beside the checkout. */
export const CORPUS = join(import.meta.dirname, '..', '..', '..', 'shared', 'corpus')

/** Whether the corpus is beside the checkout (its index, SOURCES.md, is what the corpus test reads). */
export const corpusPresent = (): boolean => existsSync(join(CORPUS, 'SOURCES.md'))

/** The corpus's YAML files (full paths, sorted), or [] when it is absent. */
export function corpusFiles(): string[] {
  if (!corpusPresent()) return []
  return readdirSync(CORPUS)
    .filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'))
    .sort()
    .map((f) => join(CORPUS, f))
}

/** Says, in the test's output, what was not checked because the corpus is absent. */
export function corpusAbsent(t: Test, notChecked: string): void {
  const why = `${CORPUS} is absent (it lives beside the repository, not in it; CI clones it there)`
  t.comment(`NOT CHECKED: ${notChecked}: ${why}`)
  t.pass(`corpus absent: ${notChecked} not checked`)
}
