/**
 * acl: decides from the groups of the authenticated consumer (its `acls`), or
 * from groups another plugin authenticated in `kit.shared.authenticated_groups`
 * (a list of strings, Kong's `kong.ctx.shared.authenticated_groups`). Those
 * are used when there is no consumer, when the consumer is anonymous (no
 * credential), or always with `always_use_authenticated_groups`.
 */
import { ACL } from '../../errors.js'
import { definePhases, type Exit, type Kit } from '../types.js'
import { authenticatedGroups } from '../shared/auth.js'
import type { AclConfig } from './schema.js'

const { FORBIDDEN, UNAUTHORIZED } = ACL

/** `true` = refuse; a string = allowed, with the groups header value. */
type Decision = true | string

export default definePhases<AclConfig>((conf, env) => {
  const denyMode = (conf.deny?.length ?? 0) > 0
  const listed = new Set(denyMode ? conf.deny : conf.allow)
  const decide = (groups: readonly string[]): Decision => {
    const inGroup = groups.some((g) => listed.has(g))
    return (denyMode ? inGroup : !inGroup) || groups.join(', ')
  }
  // Groups are fixed for the life of a config, so a consumer's decision is too.
  const byConsumer = new Map<string, Decision>()
  const denied = (kit: Kit): Exit => (kit.credential ? FORBIDDEN : UNAUTHORIZED)

  const finish = (kit: Kit, d: Decision, header: string): Exit | undefined => {
    if (d === true) return FORBIDDEN
    // Allowed without groups (a deny list): the header goes up empty, as Kong sends it.
    if (!conf.hide_groups_header) kit.upstream.setHeader(header, d)
    return undefined
  }

  return {
    access(kit) {
      const consumerId = kit.consumer?.id ?? kit.credential?.consumer
      if (consumerId === undefined) {
        const auth = authenticatedGroups(kit)
        if (!auth) return denied(kit)
        return finish(kit, decide(auth), 'x-authenticated-groups')
      }
      if (!kit.credential || conf.always_use_authenticated_groups) {
        const auth = authenticatedGroups(kit)
        if (auth) return finish(kit, decide(auth), 'x-authenticated-groups')
      }
      let d = byConsumer.get(consumerId)
      if (d === undefined) {
        const groups = env.consumers.groups(consumerId)
        // A consumer without groups: allowed by a deny list, never by an allow list.
        if (groups.length === 0 && !denyMode) return denied(kit)
        d = decide(groups)
        byConsumer.set(consumerId, d)
      }
      return finish(kit, d, 'x-consumer-groups')
    },
  }
})
