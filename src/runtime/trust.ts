/**
 * `--trusted-ips`: which TCP peers may tell us the client's address, scheme,
 * host, port and path through X-Forwarded-* and X-Real-IP (Kong's trusted_ips);
 * `--real-ip-header` / `--real-ip-recursive`: where that address is read
 * (Kong's real_ip_header and real_ip_recursive, nginx's realip module).
 */
import type { IncomingMessage } from 'node:http'
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

/** How the client address is found (Kong's `real_ip_header` and `real_ip_recursive`). */
export interface RealIpRule {
  /** The header read from a trusted peer, lower-case (`x-real-ip` by default, as Kong). */
  readonly header: string
  /** Walk the list right to left past trusted addresses (`on`), or take its last entry (`off`, Kong's default). */
  readonly recursive: boolean
}

export const DEFAULT_REAL_IP: RealIpRule = { header: 'x-real-ip', recursive: false }

/** `1.2.3.4`, `1.2.3.4:80`, `::1`, `[::1]` or `[::1]:80` (nginx's ngx_parse_addr_port) → the address, else undefined. */
function addressOf(text: string): string | undefined {
  if (text.startsWith('[')) {
    const end = text.indexOf(']')
    const rest = text.slice(end + 1)
    const inner = text.slice(1, end)
    return end > 0 && (rest === '' || /^:\d{1,5}$/.test(rest)) && isIPv6(inner) ? inner : undefined
  }
  if (isIPv4(text) || isIPv6(text)) return text
  const colon = text.indexOf(':')
  return colon > 0 && isIPv4(text.slice(0, colon)) && /^\d{1,5}$/.test(text.slice(colon + 1)) ? text.slice(0, colon) : undefined
}

/**
 * nginx's realip (ngx_http_get_forwarded_addr) over one header value, from a
 * trusted peer: the last address of the list, and with `recursive` each
 * address before it as long as the one taken is itself trusted. An entry that
 * is not an address stops the walk (the peer stays when nothing was taken).
 */
export function forwardedAddress(peer: string, value: string, recursive: boolean, trusted: TrustCheck): string {
  let client = peer
  let end = value.length
  for (;;) {
    while (end > 0 && (value[end - 1] === ' ' || value[end - 1] === ',')) end--
    if (end === 0) return client
    let start = end
    while (start > 0 && value[start - 1] !== ' ' && value[start - 1] !== ',') start--
    const addr = addressOf(value.slice(start, end))
    if (addr === undefined) return client
    client = unmapped(addr)
    end = start
    if (!recursive || !trusted(client)) return client
  }
}

/**
 * The client address (Kong's `kong.client.get_forwarded_ip`): from a trusted
 * peer, what `rule.header` says (X-Forwarded-For's several lines read as one
 * list, as nginx does; another header's first line), else the peer itself.
 */
export function clientAddress(peer: string, req: IncomingMessage, rule: RealIpRule, trusted: TrustCheck): string {
  const joined = req.headers[rule.header]
  if (joined === undefined) return peer
  // Node joins repeated lines with ", ": X-Forwarded-For's lines are one list
  // (nginx reads them last to first); of another header nginx reads the first line.
  const value = rule.header === 'x-forwarded-for' || typeof joined !== 'string' ? String(joined) : (req.headersDistinct[rule.header]?.[0] ?? joined)
  return forwardedAddress(peer, value, rule.recursive, trusted)
}
