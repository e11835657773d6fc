/**
 * ai-prompt-guard's check of one request body, as Kong's guard-prompt filter
 * does it: the prompt is a completions `prompt`, or the chat messages taken
 * newest first (`user` ones, or every role with match_all_roles), each
 * followed by a space, stopping after the newest with
 * allow_all_conversation_history. A deny pattern that matches refuses; then,
 * when allow patterns are given, one must match.
 */
import { fromText } from '../../lua/core/value.js'
import { field, indexError, isTable } from '../shared/ai-prompt/lua-json.js'
import { metered, search, type Pattern } from './patterns.js'

export interface GuardRules {
  readonly deny: readonly Pattern[]
  readonly allow: readonly Pattern[]
  readonly allow_all_conversation_history: boolean
  readonly match_all_roles: boolean
}

/**
 * - ok: the prompt passes;
 * - refused: Kong's reason (logged at debug; the client only reads "bad request");
 * - failed: Kong's 500 (a pattern that does not run, or Lua's error on the body), with what is logged.
 */
export type Verdict = { ok: true } | { ok: false; refused: string } | { ok: false; failed: string; by: 'pattern' | 'body' }

const BAD_FORMAT = 'ai-prompt-guard only supports llm/v1/chat or llm/v1/completions prompts'

/** The text the patterns run on (a Lua byte string), or the verdict that ends the check. */
function collect(body: Record<string, unknown> | unknown[], rules: GuardRules): string | Verdict {
  const messages = Array.isArray(body) ? undefined : body.messages
  if (isTable(messages)) {
    // An object is a table without an array part: no messages.
    const list = Array.isArray(messages) ? messages : []
    const parts: string[] = []
    for (let i = list.length - 1; i >= 0; i--) {
      const v = list[i]
      const role = field(v, 'role')
      if (role === undefined) return { ok: false, failed: indexError(v), by: 'body' }
      if (typeof role.value !== 'string') return { ok: false, refused: BAD_FORMAT }
      if (role.value === 'user' || rules.match_all_roles) {
        const content = field(v, 'content')!.value
        if (typeof content !== 'string') return { ok: false, refused: BAD_FORMAT }
        parts.push(content)
        if (rules.allow_all_conversation_history) break
        parts.push(' ')
      }
    }
    return fromText(parts.join(''))
  }
  const prompt = Array.isArray(body) ? undefined : body.prompt
  if (typeof prompt === 'string') return fromText(prompt)
  return { ok: false, refused: BAD_FORMAT }
}

export function guard(body: Record<string, unknown> | unknown[], rules: GuardRules): Verdict {
  const prompt = collect(body, rules)
  if (typeof prompt !== 'string') return prompt
  return metered(() => check(prompt, rules))
}

function check(prompt: string, rules: GuardRules): Verdict {
  for (const p of rules.deny) {
    const m = search(p, prompt)
    if (typeof m === 'string') return { ok: false, failed: `bad regex pattern '${p.source}', failed to execute: ${m}`, by: 'pattern' }
    if (m) return { ok: false, refused: 'prompt pattern is blocked' }
  }
  if (rules.allow.length === 0) return { ok: true }
  for (const p of rules.allow) {
    const m = search(p, prompt)
    if (typeof m === 'string') return { ok: false, failed: `bad regex pattern '${p.source}', failed to execute: ${m}`, by: 'pattern' }
    if (m) return { ok: true }
  }
  return { ok: false, refused: "prompt doesn't match any allowed pattern" }
}
