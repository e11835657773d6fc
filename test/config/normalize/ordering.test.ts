// Dynamic ordering cycles, per chain of plugins that can meet on a route.
import t from 'tap'
import { MSG_ORDERING_CYCLE } from '../../../src/config/ordering.js'
import { checkOrderingCycles } from '../../../src/config/normalize/ordering.js'
import { resolveReferences } from '../../../src/config/normalize/references.js'
import { registry } from '../../../src/plugins/registry.js'
import { entitySets } from '../../helpers/entity-sets.js'

const before = (...names: string[]) => ({ before: { access: names } })

t.test('no ordering anywhere: nothing to check', async (t) => {
  t.same(checkOrderingCycles(entitySets({ plugins: [{ name: 'cors' }, { name: 'acl' }] }), registry), [])
})

t.test('a cycle among global plugins is reported once, at a member with ordering', async (t) => {
  const sets = entitySets({
    plugins: [
      { name: 'cors' },
      { name: 'request-termination', ordering: before('correlation-id') },
      { name: 'correlation-id', ordering: before('request-termination') },
    ],
    routes: [{ name: 'r1' }, { name: 'r2' }],
  })
  t.same(checkOrderingCycles(sets, registry), [
    { path: ['plugins', 1, 'ordering'], message: `${MSG_ORDERING_CYCLE} (correlation-id -> request-termination -> correlation-id)` },
  ])
})

t.test("a cycle between a service's plugin and its route's plugin; other routes unaffected", async (t) => {
  const sets = entitySets({
    services: [
      {
        name: 's',
        host: 'h',
        plugins: [{ name: 'cors', ordering: before('key-auth') }],
        routes: [{ name: 'r', plugins: [{ name: 'key-auth', ordering: before('cors') }] }],
      },
    ],
    routes: [{ name: 'elsewhere', plugins: [{ name: 'key-auth', ordering: before('cors') }] }],
  })
  // The check groups plugins by the ids their references resolve to.
  t.same(resolveReferences(sets), [])
  // Reported at the first member of the route's chain that has an ordering: the service's.
  t.same(checkOrderingCycles(sets, registry), [
    { path: ['services', 0, 'plugins', 0, 'ordering'], message: `${MSG_ORDERING_CYCLE} (cors -> key-auth -> cors)` },
  ])
})

t.test('disabled plugins take no part', async (t) => {
  const sets = entitySets({
    plugins: [
      { name: 'request-termination', ordering: before('correlation-id') },
      { name: 'correlation-id', enabled: false, ordering: before('request-termination') },
    ],
  })
  t.same(checkOrderingCycles(sets, registry), [])
})
