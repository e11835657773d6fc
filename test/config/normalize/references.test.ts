// References resolve to ids; a dangling one is an issue of kind 'reference'.
import t from 'tap'
import { resolveReferences } from '../../../src/config/normalize/references.js'
import { entitySets } from '../../helpers/entity-sets.js'

t.test('references by endpoint key, by id and by object all become ids', async (t) => {
  const sets = entitySets({
    services: [{ name: 'a', host: 'a.internal' }],
    routes: [
      { name: 'by-name', service: 'a' },
      { name: 'by-object-name', service: { name: 'a' } },
    ],
    consumers: [{ id: '11111111-1111-4111-8111-111111111111', username: 'alice' }],
    acls: [
      { group: 'g', consumer: '11111111-1111-4111-8111-111111111111' },
      { group: 'h', consumer: { id: '11111111-1111-4111-8111-111111111111' } },
      { group: 'i', consumer: { username: 'alice' } },
    ],
  })
  t.same(resolveReferences(sets), [])
  const service = sets.services[0]!.entity.id
  t.same(
    sets.routes.map((r) => r.entity.service),
    [service, service],
  )
  t.same(
    sets.acls.map((a) => a.entity.consumer),
    Array(3).fill('11111111-1111-4111-8111-111111111111'),
  )
})

t.test('a dangling reference is reported where it is written, with kind reference', async (t) => {
  const sets = entitySets({
    routes: [{ name: 'r', service: 'missing' }],
    plugins: [{ name: 'cors', consumer: { username: 'nobody' } }],
    services: [{ name: 's', host: 'h', ca_certificates: ['22222222-2222-4222-8222-222222222222'] }],
  })
  // Collection order first (routes before plugins), then services' ca_certificates lists.
  t.same(resolveReferences(sets), [
    { path: ['routes', 0, 'service'], message: "invalid reference 'service: missing' (no such entry in 'services')", kind: 'reference' },
    { path: ['plugins', 0, 'consumer'], message: 'invalid reference \'consumer: {"username":"nobody"}\' (no such entry in \'consumers\')', kind: 'reference' },
    {
      path: ['services', 0, 'ca_certificates', 0],
      message: "invalid reference 'ca_certificates: 22222222-2222-4222-8222-222222222222' (no such entry in 'ca_certificates')",
      kind: 'reference',
    },
  ])
})
