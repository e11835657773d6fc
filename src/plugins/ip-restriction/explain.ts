/** ip-restriction's explain hook: the --client-ip checked with the handler's own matchers. */
import { IP_RESTRICTION } from '../../errors.js'
import type { ExplainOutcome, ExplainRequest } from '../types.js'
import { compileMatcher, parseAddress } from './cidr.js'
import type { IpRestrictionConfig } from './schema.js'

export function explainIpRestriction(conf: IpRestrictionConfig, req: ExplainRequest): ExplainOutcome {
  const ip = req.clientIp
  if (ip === undefined) return { note: 'depends on the client address (give --client-ip)' }
  const addr = parseAddress(ip)
  if (!addr) return { answers: IP_RESTRICTION.NO_IP }
  const status = conf.status ?? 403
  const refuse = conf.message !== undefined ? IP_RESTRICTION.refused(conf.message, status) : IP_RESTRICTION.notAllowed(ip, status)
  if (conf.deny?.length && compileMatcher(conf.deny).matches(addr)) return { answers: refuse, note: `${ip} is in the deny list` }
  if (conf.allow?.length && !compileMatcher(conf.allow).matches(addr)) return { answers: refuse, note: `${ip} is not in the allow list` }
  return { note: `${ip} is allowed` }
}
