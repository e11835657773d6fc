// Nested → flat: parent references filled, ids derived as Kong derives them.
import t from 'tap'
import { entityId } from '../../../src/config/ids.js'
import { flatten } from '../../../src/config/normalize/flatten.js'
import { emptySets } from '../../../src/config/normalize/located.js'

t.test('a service with nested routes and plugins becomes one entry per collection', async (t) => {
  const sets = emptySets()
  const issues = flatten(
    sets,
    'services',
    { name: 'svc', host: 'svc.internal', _comment: 'dropped', routes: [{ name: 'r', paths: ['/a'], plugins: [{ name: 'cors' }] }], plugins: [{ name: 'acl' }] },
    ['services', 0],
  )
  t.same(issues, [])
  const svc = sets.services[0]!
  t.same(svc, { entity: { name: 'svc', host: 'svc.internal', id: entityId('services', 'svc') }, path: ['services', 0], parent: undefined, derived: true })
  const route = sets.routes[0]!
  t.equal(route.entity.service, svc.entity.id)
  t.equal(route.entity.id, entityId('routes', 'r'))
  t.same(route.path, ['services', 0, 'routes', 0])
  t.equal(route.parent, 'services')
  // Children come after their parent, depth first, in NESTED's order.
  t.same(
    sets.plugins.map((p) => p.path),
    [
      ['services', 0, 'routes', 0, 'plugins', 0],
      ['services', 0, 'plugins', 0],
    ],
  )
  // A nested plugin's cache key uses its parent's id.
  t.equal(sets.plugins[0]!.entity.id, entityId('plugins', `plugins:*:cors:${route.entity.id}::`))
  t.equal(sets.plugins[1]!.entity.id, entityId('plugins', `plugins:*:acl::${svc.entity.id}:`))
})

t.test('an id written in the file is kept and not marked derived', async (t) => {
  const sets = emptySets()
  flatten(sets, 'consumers', { id: '11111111-1111-4111-8111-111111111111', username: 'alice' }, ['consumers', 0])
  t.equal(sets.consumers[0]!.entity.id, '11111111-1111-4111-8111-111111111111')
  t.equal(sets.consumers[0]!.derived, false)
})

t.test('a nested child naming another parent is reported; naming its own parent is not', async (t) => {
  const sets = emptySets()
  const issues = flatten(
    sets,
    'consumers',
    {
      username: 'alice',
      acls: [
        { group: 'a', consumer: 'bob' },
        { group: 'b', consumer: { username: 'alice' } },
      ],
    },
    ['consumers', 0],
  )
  t.same(issues, [{ path: ['consumers', 0, 'acls', 0, 'consumer'], message: 'value must be null (this acl is nested in a consumer)' }])
  t.same(
    sets.acls.map((a) => a.entity.consumer),
    [sets.consumers[0]!.entity.id, sets.consumers[0]!.entity.id],
  )
})

t.test("a certificate's snis may be bare names", async (t) => {
  const sets = emptySets()
  flatten(sets, 'certificates', { cert: 'c', key: 'k', snis: ['a.example', { name: 'b.example' }] }, ['certificates', 0])
  t.same(
    sets.snis.map((s) => s.entity.name),
    ['a.example', 'b.example'],
  )
  t.equal(sets.snis[0]!.entity.id, entityId('snis', 'a.example'))
  t.equal(sets.snis[0]!.entity.certificate, sets.certificates[0]!.entity.id)
})

t.test('collections Kong keys on generated fields get random ids', async (t) => {
  const a = emptySets()
  const b = emptySets()
  flatten(a, 'keyauth_credentials', { key: 'same' }, ['keyauth_credentials', 0])
  flatten(b, 'keyauth_credentials', { key: 'same' }, ['keyauth_credentials', 0])
  t.not(a.keyauth_credentials[0]!.entity.id, b.keyauth_credentials[0]!.entity.id)
  t.equal(a.keyauth_credentials[0]!.derived, true)
})

t.test('a reference written as an object is left out of the cache key', async (t) => {
  const sets = emptySets()
  flatten(sets, 'plugins', { name: 'cors', route: { id: 'x' } }, ['plugins', 0])
  t.equal(sets.plugins[0]!.entity.id, entityId('plugins', 'plugins:*:cors::'))
})
