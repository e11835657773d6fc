/**
 * ip-restriction: the client address (after the trusted-ips rules) is checked
 * against `deny` first (a match refuses), then `allow` (no match refuses).
 * Both lists are compiled to integer matchers when the config is loaded.
 */
import { IP_RESTRICTION } from '../../errors.js'
import { definePhases, type Exit, type StreamExit } from '../types.js'
import { compileMatcher, parseAddress } from './cidr.js'
import type { IpRestrictionConfig } from './schema.js'

export default definePhases<IpRestrictionConfig>((conf, env) => {
  const deny = conf.deny?.length ? compileMatcher(conf.deny) : undefined
  const allow = conf.allow?.length ? compileMatcher(conf.allow) : undefined
  const status = conf.status ?? 403
  const fixed: Exit | undefined = conf.message !== undefined ? IP_RESTRICTION.refused(conf.message, status) : undefined
  const refuse = (ip: string): Exit => fixed ?? IP_RESTRICTION.notAllowed(ip, status)
  const streamExit: StreamExit = { status }

  return {
    access(kit) {
      // nginx's realip ignores an X-Real-IP that is not an address; so does this.
      let ip = kit.request.clientIp
      let addr = parseAddress(ip)
      if (!addr) {
        ip = kit.request.peerIp
        addr = parseAddress(ip)
      }
      if (!addr) return IP_RESTRICTION.NO_IP
      if (deny?.matches(addr)) return refuse(ip)
      if (allow && !allow.matches(addr)) return refuse(ip)
      return undefined
    },
    // Stream routes (Kong's preread): the connection's peer is checked; a refusal ends the
    // session with the status (nginx's ngx.exit), nothing is sent, and Kong's warning is logged.
    preread(kit) {
      const addr = parseAddress(kit.clientIp)
      const refused = !addr || deny?.matches(addr) === true || (allow !== undefined && !allow.matches(addr))
      if (!refused) return undefined
      env.log.warn(conf.message ?? `IP address not allowed: ${kit.clientIp}`)
      return streamExit
    },
  }
})
