// The collection tables agree with each other: the passes trust them blindly.
import t from 'tap'
import { COLLECTIONS } from '../../../src/config/schema/declarative.js'
import { ENDPOINT_KEY, NESTED, REFERENCES, UNIQUE } from '../../../src/config/normalize/tables.js'

t.test('every nested child points back at its parent through a reference field', async (t) => {
  for (const [parent, children] of Object.entries(NESTED)) {
    for (const [child, fk] of Object.entries(children)) {
      t.equal(REFERENCES[child as keyof typeof REFERENCES]?.[fk], parent, `${child}.${fk} → ${parent}`)
    }
  }
})

t.test('every reference targets a collection others can name it in', async (t) => {
  for (const refs of Object.values(REFERENCES)) {
    for (const target of Object.values(refs)) t.ok(COLLECTIONS.includes(target), target)
  }
})

t.test('an endpoint key is unique, so naming by it finds one entity', async (t) => {
  for (const [collection, key] of Object.entries(ENDPOINT_KEY)) {
    const unique = UNIQUE[collection as keyof typeof UNIQUE] ?? []
    t.ok(
      unique.some((u) => u.field === key),
      `${collection}.${key}`,
    )
  }
})
