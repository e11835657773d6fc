/**
 * What a config can reach: the upstream origins it may send to and the health
 * keys of its targets. When a replaced config retires, the node keeps only the
 * pools and health of what the configs still in use can reach.
 */
import type { Config } from '../config/model.js'
import { parseTarget } from '../config/schema/upstream.js'
import { healthKey } from '../node/health.js'

export interface Reach {
  origins: Set<string>
  healthKeys: Set<string>
}

export function reachable(config: Config): Reach {
  const origins = new Set<string>()
  const healthKeys = new Set<string>()
  const upstreams = new Map(config.upstreams.map((u) => [u.name, u]))
  const bracket = (h: string) => (h.includes(':') ? `[${h}]` : h)
  for (const s of config.services) {
    const scheme = s.protocol === 'https' || s.protocol === 'grpcs' ? 'https' : 'http'
    const u = upstreams.get(s.host)
    if (!u) {
      origins.add(`${scheme}://${bracket(s.host)}:${s.port}`)
      continue
    }
    for (const t of config.targets) {
      if (t.upstream !== u.id) continue
      const parsed = parseTarget(t.target)!
      origins.add(`${scheme}://${bracket(parsed.host)}:${parsed.port}`)
    }
  }
  for (const u of config.upstreams) {
    for (const t of config.targets) {
      if (t.upstream !== u.id) continue
      const parsed = parseTarget(t.target)!
      healthKeys.add(healthKey(u.name, parsed.host, parsed.port))
    }
  }
  return { origins, healthKeys }
}
