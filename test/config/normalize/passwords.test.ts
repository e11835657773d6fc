// basic-auth passwords hashed as Kong stores them.
import { createHash } from 'node:crypto'
import t from 'tap'
import { hashPasswords } from '../../../src/config/normalize/passwords.js'
import { entitySets } from '../../helpers/entity-sets.js'

t.test('sha1 of the password followed by the consumer id', async (t) => {
  const sets = entitySets({ consumers: [{ username: 'alice', basicauth_credentials: [{ username: 'alice', password: 'open' }] }] })
  const consumer = sets.consumers[0]!.entity.id
  hashPasswords(sets)
  t.equal(sets.basicauth_credentials[0]!.entity.password, createHash('sha1').update(`open${consumer}`).digest('hex'))
})
