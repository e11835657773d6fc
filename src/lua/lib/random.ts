/**
 * math.random and math.randomseed as LuaJIT 2.1 computes them, so a seeded
 * sequence is LuaJIT's number for number: a combined Tausworthe generator
 * (L'Ecuyer's maximally equidistributed LFSR combination with four 64-bit
 * components, period about 2^223) whose output fills the 52 mantissa bits
 * of a double in [1, 2); random() is that minus 1.
 *
 * The 64-bit components are kept as 32-bit halves (no BigInt on the hot
 * path). One generator serves the process, as LuaJIT's serves a worker. It
 * starts from random bits (Kong seeds each worker from OpenSSL; LuaJIT would
 * start from seed 0), and math.randomseed, which reseeds it, is outside
 * Kong's sandbox: only library environments (tests, the corpus) have it.
 */
import { webcrypto } from 'node:crypto'

/** Component i's 64-bit state: hi word at 2i, lo word at 2i + 1. */
const gen = new Uint32Array(8)

/** Per component: k, its degree (the top k bits of its 64 take part), from L'Ecuyer's table. */
const K = [63, 58, 55, 47] as const

const bits = new Float64Array(1)
const words = new Uint32Array(bits.buffer)
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0
const LO = 1 - HI

/**
 * One step of every component; returns a double in [0, 1): LuaJIT's double
 * in [1, 2) made of the xor of their new states, minus 1. Component (k, q, s) becomes
 * `(((z << q) ^ z) >> (k - s)) ^ ((z & top k bits) << s)`; the parameters
 * are (63, 31, 18), (58, 19, 28), (55, 24, 7), (47, 21, 8), written out on
 * 32-bit halves below (h: high word, l: low word) so nothing is allocated.
 */
export function random01(): number {
  let h = gen[0]!
  let l = gen[1]!
  // (63, 31, 18): a = ((z << 31) ^ z) >> 45; b = (z & ~1) << 18.
  let m = l & ~1
  let zh = (h << 18) | (m >>> 14)
  let zl = ((((h << 31) | (l >>> 1)) ^ h) >>> 13) ^ (m << 18)
  gen[0] = zh
  gen[1] = zl
  let xh = zh
  let xl = zl
  h = gen[2]!
  l = gen[3]!
  // (58, 19, 28): a = ((z << 19) ^ z) >> 30; b = (z & ~0x3f) << 28.
  let uh = ((h << 19) | (l >>> 13)) ^ h
  const ul = (l << 19) ^ l
  m = l & ~0x3f
  zh = (uh >>> 30) ^ ((h << 28) | (m >>> 4))
  zl = ((ul >>> 30) | (uh << 2)) ^ (m << 28)
  gen[2] = zh
  gen[3] = zl
  xh ^= zh
  xl ^= zl
  h = gen[4]!
  l = gen[5]!
  // (55, 24, 7): a = ((z << 24) ^ z) >> 48; b = (z & ~0x1ff) << 7.
  uh = ((h << 24) | (l >>> 8)) ^ h
  m = l & ~0x1ff
  zh = (h << 7) | (m >>> 25)
  zl = (uh >>> 16) ^ (m << 7)
  gen[4] = zh
  gen[5] = zl
  xh ^= zh
  xl ^= zl
  h = gen[6]!
  l = gen[7]!
  // (47, 21, 8): a = ((z << 21) ^ z) >> 39; b = (z & ~0x1ffff) << 8.
  uh = ((h << 21) | (l >>> 11)) ^ h
  m = l & ~0x1ffff
  zh = (h << 8) | (m >>> 24)
  zl = (uh >>> 7) ^ (m << 8)
  gen[6] = zh
  gen[7] = zl
  xh ^= zh
  xl ^= zl
  // The low 52 bits are the mantissa of a double in [1, 2): minus 1, that is them / 2^52, exactly.
  return ((xh & 0x000fffff) * 4294967296 + (xl >>> 0)) / 4503599627370496
}

/** A component's state must have one of its top k bits set, or it would stay zero. */
function ensureTopBits(i: number): void {
  const m = 2 ** (64 - K[i]!)
  if (gen[2 * i] === 0 && gen[2 * i + 1]! < m) gen[2 * i + 1] = gen[2 * i + 1]! + m
}

/** math.randomseed(d): each component from the bits of d*pi + e, iterated; then ten steps. */
export function randomseed(d: number): void {
  for (let i = 0; i < 4; i++) {
    // LuaJIT's constants are pi and e, the same doubles as Math.PI and Math.E.
    d = d * Math.PI + Math.E
    bits[0] = d
    // A NaN's bits: x86's default NaN (what 0/0 gives LuaJIT); V8 would store its own.
    gen[2 * i] = d === d ? words[HI]! : 0xfff80000
    gen[2 * i + 1] = d === d ? words[LO]! : 0
    ensureTopBits(i)
  }
  for (let i = 0; i < 10; i++) random01()
}

// Unpredictable from the start, as Kong's workers are.
webcrypto.getRandomValues(gen)
for (let i = 0; i < 4; i++) ensureTopBits(i)
