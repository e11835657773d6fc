// Duplicate ids and unique fields: reported at the later entity, with kind 'uniqueness'.
import t from 'tap'
import { checkIds, checkUnique } from '../../../src/config/normalize/unique.js'
import { entitySets } from '../../helpers/entity-sets.js'

const ID = '33333333-3333-4333-8333-333333333333'

t.test('the same id written twice is a primary-key clash', async (t) => {
  const sets = entitySets({
    services: [
      { id: ID, name: 'a', host: 'h' },
      { id: ID, name: 'b', host: 'h' },
    ],
  })
  t.same(checkIds(sets), [
    {
      path: ['services', 1],
      message: `uniqueness violation: 'services' entity with primary key set to '${ID}' already declared`,
      kind: 'uniqueness',
      other: ['services', 0],
    },
  ])
  t.same(checkUnique(sets), [])
})

t.test('two ids derived from the same name are reported as the name, once', async (t) => {
  const sets = entitySets({
    services: [
      { name: 'a', host: 'h' },
      { name: 'a', host: 'h' },
    ],
  })
  t.same(checkIds(sets), [])
  t.same(checkUnique(sets), [
    {
      path: ['services', 1, 'name'],
      message: "uniqueness violation: 'services' entity with name set to 'a' already declared",
      kind: 'uniqueness',
      other: ['services', 0, 'name'],
    },
  ])
})

t.test('a plugin configured twice in the same scope says so', async (t) => {
  const sets = entitySets({ routes: [{ name: 'r', plugins: [{ name: 'cors' }, { name: 'cors' }] }] })
  const [issue, ...rest] = checkIds(sets)
  t.same(rest, [])
  t.same(issue?.path, ['routes', 0, 'plugins', 1])
  t.match(issue?.message, /^uniqueness violation: 'plugins' entity with primary key set to '[0-9a-f-]+' already declared \(plugin 'cors' is configured twice/)
  t.equal(issue?.kind, 'uniqueness')
})

t.test('a duplicate secret is not shown; where its other owner is, is (the loader writes the place)', async (t) => {
  const sets = entitySets({
    consumers: [
      { username: 'alice', keyauth_credentials: [{ key: 'sesame' }] },
      { username: 'bob', keyauth_credentials: [{ key: 'sesame' }] },
    ],
  })
  t.same(checkUnique(sets), [
    {
      path: ['consumers', 1, 'keyauth_credentials', 0, 'key'],
      message: "uniqueness violation: 'keyauth_credentials' entity with key set to '<redacted>' already declared",
      kind: 'uniqueness',
      other: ['consumers', 0, 'keyauth_credentials', 0, 'key'],
      otherNote: 'the same key belongs to another credential',
    },
  ])
})
