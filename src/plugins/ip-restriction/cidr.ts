/**
 * IP addresses and CIDR ranges as numbers, and a matcher compiled once from a
 * list of them: IPv4 as one 32-bit integer, IPv6 as four 32-bit words. A
 * request then costs one parse of the client address and integer compares.
 */
import { isIPv4, isIPv6 } from '../../config/schema/typedefs.js'

export type Address = { v: 4; n: number } | { v: 6; w: Uint32Array }

function parseV4(s: string): number | undefined {
  if (!isIPv4(s)) return undefined
  const p = s.split('.')
  return ((Number(p[0]) << 24) | (Number(p[1]) << 16) | (Number(p[2]) << 8) | Number(p[3])) >>> 0
}

function parseV6(s: string): Uint32Array | undefined {
  if (!isIPv6(s)) return undefined
  const groups: number[] = []
  const [head = '', tail] = s.split('::') as [string, string | undefined]
  const words = (part: string): number[] | undefined => {
    if (part === '') return []
    const out: number[] = []
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const v4 = parseV4(g)
        if (v4 === undefined) return undefined
        out.push(v4 >>> 16, v4 & 0xffff)
      } else out.push(parseInt(g, 16))
    }
    return out
  }
  const h = words(head)
  const t = tail === undefined ? [] : words(tail)
  if (!h || !t) return undefined
  groups.push(...h)
  if (tail !== undefined) for (let i = h.length + t.length; i < 8; i++) groups.push(0)
  groups.push(...t)
  if (groups.length !== 8) return undefined
  const w = new Uint32Array(4)
  for (let i = 0; i < 4; i++) w[i] = ((groups[2 * i]! << 16) | groups[2 * i + 1]!) >>> 0
  return w
}

/**
 * A client address: IPv4, or IPv6 (a zone suffix such as `%eth0` is ignored).
 * IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is read as the IPv4 address it carries.
 */
export function parseAddress(s: string): Address | undefined {
  const n = parseV4(s)
  if (n !== undefined) return { v: 4, n }
  const pct = s.indexOf('%')
  const w = parseV6(pct === -1 ? s : s.slice(0, pct))
  if (!w) return undefined
  if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) return { v: 4, n: w[3]! }
  return { v: 6, w }
}

/** A config entry: `ip` or `ip/prefix`; undefined when it is neither. */
export function parseCidr(s: string): { addr: Address; bits: number } | undefined {
  const slash = s.indexOf('/')
  const ipText = slash === -1 ? s : s.slice(0, slash)
  const n = parseV4(ipText)
  const w = n === undefined ? parseV6(ipText) : undefined
  if (n === undefined && !w) return undefined
  const max = n !== undefined ? 32 : 128
  let bits = max
  if (slash !== -1) {
    const b = s.slice(slash + 1)
    if (!/^\d{1,3}$/.test(b) || Number(b) > max) return undefined
    bits = Number(b)
  }
  return { addr: n !== undefined ? { v: 4, n } : { v: 6, w: w! }, bits }
}

const mask32 = (bits: number): number => (bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0)

export interface IpMatcher {
  readonly size: number
  matches(addr: Address): boolean
}

/** Compiles valid entries (the schema checked them) into a matcher. */
export function compileMatcher(entries: readonly string[]): IpMatcher {
  const exact4 = new Set<number>()
  const ranges4: { net: number; mask: number }[] = []
  const exact6 = new Set<string>()
  const ranges6: { net: Uint32Array; masks: Uint32Array }[] = []
  let any4 = false
  let any6 = false
  for (const e of entries) {
    const c = parseCidr(e)
    if (!c) throw new TypeError(`invalid ip or cidr range: '${e}'`)
    if (c.addr.v === 4) {
      if (c.bits === 0) any4 = true
      else if (c.bits === 32) exact4.add(c.addr.n)
      else {
        const mask = mask32(c.bits)
        ranges4.push({ net: (c.addr.n & mask) >>> 0, mask })
      }
    } else {
      if (c.bits === 0) any6 = true
      else if (c.bits === 128) exact6.add(c.addr.w.join(':'))
      else {
        const masks = new Uint32Array(4)
        const net = new Uint32Array(4)
        for (let i = 0; i < 4; i++) {
          masks[i] = mask32(c.bits - 32 * i)
          net[i] = (c.addr.w[i]! & masks[i]!) >>> 0
        }
        ranges6.push({ net, masks })
      }
    }
  }
  return {
    size: entries.length,
    matches(addr) {
      if (addr.v === 4) {
        if (any4 || exact4.has(addr.n)) return true
        for (const r of ranges4) if ((addr.n & r.mask) >>> 0 === r.net) return true
        return false
      }
      if (any6 || (exact6.size > 0 && exact6.has(addr.w.join(':')))) return true
      for (const r of ranges6) {
        let ok = true
        for (let i = 0; i < 4 && ok; i++) ok = (addr.w[i]! & r.masks[i]!) >>> 0 === r.net[i]
        if (ok) return true
      }
      return false
    },
  }
}
