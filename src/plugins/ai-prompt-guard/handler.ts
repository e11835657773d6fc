/**
 * ai-prompt-guard: checks the prompt of a chat or completions request against
 * deny and allow patterns (guard.ts) before it is proxied. It reads the body
 * later AI plugins share: what ai-prompt-decorator built when it ran first,
 * else the request's own (Kong's parse-request filter). A refused prompt is
 * Kong's 400 "bad request", which says nothing of the guard; the reason goes
 * to the debug log. A pattern that fails is Kong's bodiless 500.
 */
import { AI_PROMPT, UNEXPECTED } from '../../errors.js'
import { bodyInUse, parseRequest, setOutput } from '../shared/ai-prompt/request.js'
import { definePhases } from '../types.js'
import { guard, type GuardRules } from './guard.js'
import { compilePattern } from './patterns.js'
import type { AiPromptGuardConfig } from './schema.js'

export default definePhases<AiPromptGuardConfig>((conf, env) => {
  const rules: GuardRules = {
    deny: (conf.deny_patterns ?? []).map(compilePattern),
    allow: (conf.allow_patterns ?? []).map(compilePattern),
    allow_all_conversation_history: conf.allow_all_conversation_history,
    match_all_roles: conf.match_all_roles,
  }
  // Kong compiles on first use and fails then; saying so at load helps whoever reads the log.
  for (const p of [...rules.deny, ...rules.allow]) if (p.error !== undefined) env.log.warn(`bad regex pattern '${p.source}': ${p.error}`)

  return {
    async access(kit) {
      await parseRequest(kit, conf)
      const { table, source } = bodyInUse(kit)
      env.log.debug(`using request body from source: ${source}`)
      const verdict = guard(table, rules)
      if (verdict.ok) {
        setOutput(kit, 'guard-prompt', 'guarded', true)
        return undefined
      }
      if ('failed' in verdict) {
        env.log.error(verdict.failed)
        // A pattern: Kong's kong.response.exit(500); the body: a Lua error, Kong's unexpected error.
        return verdict.by === 'pattern' ? AI_PROMPT.PATTERN_FAILED : UNEXPECTED
      }
      env.log.debug(verdict.refused)
      return AI_PROMPT.GUARD_REFUSED
    },
  }
})
