// What loads but is not honoured.
import t from 'tap'
import { routeWarnings } from '../../../src/config/normalize/warnings.js'
import { entitySets } from '../../helpers/entity-sets.js'

t.test("path_handling 'v1' is a warning at the field; v0 is nothing", async (t) => {
  const sets = entitySets({
    routes: [
      { name: 'a', path_handling: 'v0' },
      { name: 'b', path_handling: 'v1' },
    ],
  })
  t.same(routeWarnings(sets), [
    { path: ['routes', 1, 'path_handling'], message: "path_handling 'v1' is ignored by the traditional_compatible router (as in Kong); v0 applies" },
  ])
})
