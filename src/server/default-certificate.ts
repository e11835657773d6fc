/**
 * The TLS listeners' default certificate, as Kong makes its own at start
 * (kong/cmd/utils/prefix_handler.lua, gen_default_ssl_cert): self-signed,
 * RSA 2048, subject `C=US, ST=California, L=San Francisco,
 * O=Kong, OU=IT Department, CN=localhost`, valid 20 years, not a CA, for
 * serverAuth and clientAuth. A client that sends no SNI, or one no `snis`
 * entry names, gets it (spec/02-integration/05-proxy/06-ssl_spec.lua:301, :314).
 *
 * Kong also makes an ECDSA P-256 one; it is left out here because Node keeps
 * the default context's certificates beside those of the context an SNI
 * callback picks (Kong clears them first): with an ECDSA default, a
 * configured RSA certificate would lose to it with every client that prefers
 * ECDSA.
 *
 * Made in memory once per process (never written to disk): node:crypto makes
 * the key and signs; the certificate's DER is written here, as Node has no
 * X.509 builder.
 */
import { createHash, generateKeyPair, randomBytes, sign, type KeyObject } from 'node:crypto'
import { promisify } from 'node:util'

const generate = promisify(generateKeyPair)

// -- DER, as much of it as a certificate needs
function der(tag: number, body: Buffer): Buffer {
  const n = body.length
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff])
  return Buffer.concat([Buffer.from([tag]), len, body])
}
const seq = (...items: Buffer[]) => der(0x30, Buffer.concat(items))
const set = (...items: Buffer[]) => der(0x31, Buffer.concat(items))
const octets = (b: Buffer) => der(0x04, b)
const bits = (b: Buffer) => der(0x03, Buffer.concat([Buffer.from([0]), b]))
const explicit = (n: number, b: Buffer) => der(0xa0 + n, b)
const NULL = Buffer.from([0x05, 0x00])
const TRUE = Buffer.from([0x01, 0x01, 0xff])

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number)
  const out = [a! * 40 + b!]
  for (const v of rest) {
    const parts = [v & 0x7f]
    for (let x = v >> 7; x > 0; x >>= 7) parts.unshift((x & 0x7f) | 0x80)
    out.push(...parts)
  }
  return der(0x06, Buffer.from(out))
}

function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'
  // UTCTime until 2049, GeneralizedTime after (RFC 5280 4.1.2.5).
  return d.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(iso.slice(2))) : der(0x18, Buffer.from(iso))
}

const SUBJECT: [string, number, string][] = [
  ['2.5.4.6', 0x13, 'US'],
  ['2.5.4.8', 0x0c, 'California'],
  ['2.5.4.7', 0x0c, 'San Francisco'],
  ['2.5.4.10', 0x0c, 'Kong'],
  ['2.5.4.11', 0x0c, 'IT Department'],
  ['2.5.4.3', 0x0c, 'localhost'],
]
const NAME = seq(...SUBJECT.map(([id, tag, v]) => set(seq(oid(id), der(tag, Buffer.from(v))))))
const TWENTY_YEARS_MS = 86_400_000 * 20 * 365

function certificate(privateKey: KeyObject, publicKey: KeyObject): string {
  // sha256WithRSAEncryption
  const algorithm = seq(oid('1.2.840.113549.1.1.11'), NULL)
  const spki = publicKey.export({ type: 'spki', format: 'der' })
  const serial = randomBytes(16)
  serial[0] = (serial[0]! & 0x7f) | 0x40 // positive, no leading zero byte
  const now = Date.now()
  const tbs = seq(
    explicit(0, der(0x02, Buffer.from([2]))),
    der(0x02, serial),
    algorithm,
    NAME,
    seq(time(new Date(now)), time(new Date(now + TWENTY_YEARS_MS))),
    NAME,
    spki,
    explicit(
      3,
      seq(
        seq(oid('2.5.29.19'), TRUE, octets(seq())),
        seq(oid('2.5.29.37'), octets(seq(oid('1.3.6.1.5.5.7.3.1'), oid('1.3.6.1.5.5.7.3.2')))),
        // A SHA-1 of the public key identifies it (RFC 5280 4.2.1.2 leaves the method open).
        seq(oid('2.5.29.14'), octets(octets(createHash('sha1').update(spki).digest()))),
      ),
    ),
  )
  const signature = sign('sha256', tbs, privateKey)
  const body = seq(tbs, algorithm, bits(signature)).toString('base64')
  return `-----BEGIN CERTIFICATE-----\n${body.replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`
}

export interface DefaultCertificate {
  /** PEM. */
  readonly cert: string
  readonly key: string
}

let made: Promise<DefaultCertificate> | undefined

/** The process's default certificate, made on first use. */
export function defaultCertificate(): Promise<DefaultCertificate> {
  return (made ??= (async () => {
    const { privateKey, publicKey } = await generate('rsa', { modulusLength: 2048 })
    return { cert: certificate(privateKey, publicKey), key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string }
  })())
}
