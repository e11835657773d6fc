/** Kong stores basic-auth passwords as sha1(password .. consumer_id) when `_transform` is on (the default). */
import { createHash } from 'node:crypto'
import type { EntitySets } from './located.js'

export function hashPasswords(sets: EntitySets): void {
  for (const { entity, failed } of sets.basicauth_credentials) {
    if (failed) continue // a refused entity's stand-in (salvage.ts): it never loads
    entity.password = createHash('sha1')
      .update(`${String(entity.password)}${String(entity.consumer)}`)
      .digest('hex')
  }
}
