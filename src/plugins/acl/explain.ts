/** acl's explain hook: the decision from the groups of the consumer identified so far. */
import { ACL } from '../../errors.js'
import type { ExplainOutcome, ExplainRequest } from '../types.js'
import type { AclConfig } from './schema.js'

export function explainAcl(conf: AclConfig, req: ExplainRequest): ExplainOutcome {
  const denied = req.credential ? ACL.FORBIDDEN : ACL.UNAUTHORIZED
  const denyMode = (conf.deny?.length ?? 0) > 0
  const listed = new Set(denyMode ? conf.deny : conf.allow)
  const mode = denyMode ? `deny: ${conf.deny!.join(', ')}` : `allow: ${(conf.allow ?? []).join(', ')}`
  const consumer = req.consumer
  if (!consumer) return { answers: denied, note: `no consumer identified (${mode}); groups another plugin authenticates (ldap-auth) are not predicted` }
  const groups = req.consumers.groups(consumer.id)
  // Without a credential (or with always_use_authenticated_groups) the handler first reads groups another plugin authenticated.
  const first = !req.credential || conf.always_use_authenticated_groups ? '; groups another plugin authenticates would be used first (not predicted)' : ''
  const who = `consumer ${consumer.username ?? consumer.custom_id ?? consumer.id} is in ${groups.length ? groups.join(', ') : 'no group'} (${mode})${first}`
  if (groups.length === 0 && !denyMode) return { answers: denied, note: who }
  const inGroup = groups.some((g) => listed.has(g))
  return (denyMode ? inGroup : !inGroup) ? { answers: ACL.FORBIDDEN, note: who } : { note: `${who}: allowed` }
}
