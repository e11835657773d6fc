/**
 * `--trusted-ips`: which TCP peers may tell us the client's address, scheme,
 * host, port and path through X-Forwarded-* and X-Real-IP (Kong's trusted_ips).
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net'

export type TrustCheck = (peer: string) => boolean

/** Parses `CIDR,...` (IPv4 and IPv6; `0.0.0.0/0,::/0` trusts everyone). Throws on a bad entry (a usage error). */
export function parseTrustedIps(list: string | undefined): TrustCheck {
  const entries = (list ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  if (entries.length === 0) return () => false
  const block = new BlockList()
  for (const e of entries) {
    const [ip = '', bitsText] = e.split('/')
    const type = isIPv4(ip) ? 'ipv4' : isIPv6(ip) ? 'ipv6' : undefined
    if (!type) throw new Error(`--trusted-ips: '${e}' is not an IP address or CIDR range`)
    if (bitsText === undefined) block.addAddress(ip, type)
    else {
      const bits = Number(bitsText)
      if (!Number.isInteger(bits) || bits < 0 || bits > (type === 'ipv4' ? 32 : 128)) throw new Error(`--trusted-ips: '${e}' has an invalid prefix length`)
      block.addSubnet(ip, bits, type)
    }
  }
  return (peer) => {
    const ip = unmapped(peer)
    return block.check(ip, isIPv4(ip) ? 'ipv4' : 'ipv6')
  }
}

/** `::ffff:127.0.0.1` → `127.0.0.1`: the form users write in configs and expect in headers. */
export function unmapped(ip: string): string {
  return ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip
}

/**
 * The client address (nginx realip with `real_ip_header X-Real-IP`): the
 * header's value from a trusted peer when it is an IP address (unmapped), else
 * the peer itself.
 */
export function clientAddress(peer: string, trusted: boolean, realIp: string | string[] | undefined): string {
  if (!trusted || realIp === undefined) return peer
  const v = (Array.isArray(realIp) ? realIp[0] : realIp)?.trim() ?? ''
  return isIPv4(v) || isIPv6(v) ? unmapped(v) : peer
}
