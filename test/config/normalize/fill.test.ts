// The fields Kong fills once the whole file is known.
import t from 'tap'
import { fillAutoFields } from '../../../src/config/normalize/fill.js'
import { emptySets, type EntitySets } from '../../../src/config/normalize/located.js'

function sets(fill: Partial<Record<keyof EntitySets, Record<string, unknown>[]>>): EntitySets {
  const s = emptySets()
  for (const [c, list] of Object.entries(fill)) {
    list.forEach((entity, i) => s[c as keyof EntitySets].push({ entity: { id: `${c}-${i}`, ...entity }, path: [c, i], derived: true }))
  }
  return s
}

t.test('strip_path defaults to true, except for gRPC routes', async (t) => {
  const s = sets({ routes: [{ protocols: ['http'] }, { protocols: ['grpc'] }, { protocols: ['grpcs'], strip_path: true }] })
  fillAutoFields(s)
  t.same(
    s.routes.map((r) => r.entity.strip_path),
    [true, false, true],
  )
})

t.test('upstream algorithm and hash_on are coupled', async (t) => {
  const s = sets({
    upstreams: [
      { algorithm: 'round-robin', hash_on: 'ip', hash_fallback: 'none' },
      { algorithm: 'least-connections', hash_on: 'header', hash_fallback: 'cookie' },
      { algorithm: 'consistent-hashing', hash_on: 'none', hash_fallback: 'none' },
    ],
  })
  fillAutoFields(s)
  t.same(
    s.upstreams.map(({ entity: { algorithm, hash_on, hash_fallback } }) => [algorithm, hash_on, hash_fallback]),
    [
      ['consistent-hashing', 'ip', 'none'],
      ['least-connections', 'none', 'none'],
      ['round-robin', 'none', 'none'],
    ],
  )
})

t.test('credentials without a key or secret get a random 32-character one', async (t) => {
  const s = sets({ keyauth_credentials: [{}, { key: 'given' }], jwt_secrets: [{}], hmacauth_credentials: [{ username: 'h' }] })
  fillAutoFields(s)
  t.match(s.keyauth_credentials[0]!.entity.key, /^[A-Za-z0-9]{32}$/)
  t.equal(s.keyauth_credentials[1]!.entity.key, 'given')
  t.match(s.jwt_secrets[0]!.entity.key, /^[A-Za-z0-9]{32}$/)
  t.match(s.jwt_secrets[0]!.entity.secret, /^[A-Za-z0-9]{32}$/)
  t.match(s.hmacauth_credentials[0]!.entity.secret, /^[A-Za-z0-9]{32}$/)
})

t.test('a CA certificate that does not parse gets no digest, and no error here', async (t) => {
  const s = sets({ ca_certificates: [{ cert: 'not a certificate' }] })
  fillAutoFields(s)
  t.equal(s.ca_certificates[0]!.entity.cert_digest, undefined)
})
