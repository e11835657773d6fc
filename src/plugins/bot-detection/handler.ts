/**
 * bot-detection: the User-Agent is checked against `allow` (pass), `deny`
 * (403), then the built-in bot rules (403). The verdict for each User-Agent is
 * cached per plugin instance (10,000 entries, as Kong).
 */
import { LRUCache } from 'lru-cache'
import { BOT_DETECTION } from '../../errors.js'
import { definePhases } from '../types.js'
import { BOT_PATTERNS } from './rules.js'
import { compileRule, type BotDetectionConfig } from './schema.js'

const BOTS = BOT_PATTERNS.map((p) => new RegExp(p))
const UA_CACHE_SIZE = 10_000

// Verdicts, ordered: anything above ALLOWED is refused.
const NONE = 0
const ALLOWED = 1
const DENIED = 2
const BOT = 3
type Verdict = number

const { FORBIDDEN, TOO_MANY_USER_AGENTS } = BOT_DETECTION

export default definePhases<BotDetectionConfig>((conf) => {
  const allow = conf.allow.map(compileRule)
  const deny = conf.deny.map(compileRule)
  const cache = new LRUCache<string, Verdict>({ max: UA_CACHE_SIZE })

  const examine = (raw: string): Verdict => {
    const ua = raw.trim()
    if (allow.some((r) => r.test(ua))) return ALLOWED
    if (deny.some((r) => r.test(ua))) return DENIED
    if (BOTS.some((r) => r.test(ua))) return BOT
    return NONE
  }

  return {
    access(kit) {
      const values = kit.request.headerValues('user-agent')
      if (values.length > 1) return TOO_MANY_USER_AGENTS
      const ua = values[0]
      if (ua === undefined) return undefined
      let verdict = cache.get(ua)
      if (verdict === undefined) {
        verdict = examine(ua)
        cache.set(ua, verdict)
      }
      return verdict > ALLOWED ? FORBIDDEN : undefined
    },
  }
})
