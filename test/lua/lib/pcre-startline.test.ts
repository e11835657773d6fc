// PCRE2's start-of-line optimisation in our engine: a pattern whose every alternative starts with
// `.*` is tried only at the search start and after newlines (with dotall, only at the start), as
// PCRE2 does. The results are PCRE2's (fixtures in ngx-re.test.ts); what changes is the work: an
// 8 KiB line no longer runs `.*` from every position, which hit the match limit (-47) before.
import t from 'tap'
import { compileRegex, execRegex, newSlots } from '../../../src/lua/lib/ngx/pcre/index.js'

const NONE = {
  caseless: false,
  multiline: false,
  dotall: false,
  extended: false,
  utf: false,
  dupnames: false,
  jsCompat: false,
  anchored: false,
  dfa: false,
  noUtfCheck: false,
}

function find(pattern: string, s: string, opts: Partial<typeof NONE> = {}, start = 0): number | [number, number] {
  const re = compileRegex(pattern, { ...NONE, ...opts })
  if (typeof re === 'string') throw new Error(re)
  const slots = newSlots(re)
  const rc = execRegex(re, s, start, slots)
  return rc === 1 ? [slots[0]!, slots[1]!] : rc
}

t.test('matches start where PCRE2 starts them', async (t) => {
  t.same(find('.*b', 'aaa\nxxb'), [4, 7], 'the line that holds the match, from its start')
  t.same(find('.*b', 'aab\nxxb'), [0, 3], 'the first line')
  t.same(find('.*?b', 'xxb'), [0, 3], 'lazy')
  t.same(find('(?s).*b', 'aaa\nxxb'), [0, 7], 'dotall: from the search start, across lines')
  t.same(find('.*b', 'aaa\nxxb', {}, 2), [4, 7], 'from an offset: the next line start')
})

t.test('search offsets and alternatives', async (t) => {
  t.same(find('.*x', 'abx\ncdx', {}, 1), [1, 3], 'the search start is tried even mid-line')
  t.same(find('.*x', 'ab\ncdx', {}, 1), [3, 6], 'then the next line start')
  t.same(find('.*a|.*b', 'zzz\nqb'), [4, 6], 'every alternative starts with .*')
  t.same(find('x|.*b', 'qqx'), [2, 3], 'not every alternative: every position is tried')
  t.same(find('(.*)\\1x', 'abcbcx'), [1, 6], 'a referenced group is left alone: the match starts mid-line')
  t.same(find('(?m)^b', 'a\nb'), [2, 3], 'multiline ^')
})

t.test('a long line against .*word.*', async (t) => {
  const line = 'I think that gouda is the best cheese and nothing else matters to me really. '.repeat(110)
  t.same(find('.*cheddar.*', line), 0, 'no match, and no match limit')
  t.same(find('.*cheddar.*', `${line}cheddar`), [0, line.length + 7], 'a match at the end of the line')
  t.same(find('.*cheddar.*', `${line}\nsay cheddar`), [line.length + 1, line.length + 12], 'on the next line')
})
