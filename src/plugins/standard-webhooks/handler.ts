/**
 * standard-webhooks: verifies a webhook as the Standard Webhooks spec signs it
 * and as Kong checks it (kong/plugins/standard-webhooks/internal.lua): the
 * `webhook-id`, `webhook-timestamp` and `webhook-signature` headers must all be
 * there, the timestamp no older than `tolerance_second`, the body not empty,
 * and the signature exactly `v1,` + base64(HMAC-SHA256(secret,
 * "<id>.<timestamp>.<body>")). Anything else is Kong's bare 400; the reason
 * goes to the debug log only, as Kong's does.
 */
import { createHmac } from 'node:crypto'
import { STANDARD_WEBHOOKS } from '../../errors.js'
import { numberToString } from '../../lua/core/value.js'
import { safeEqual } from '../shared/auth.js'
import { definePhases, type Kit } from '../types.js'
import type { StandardWebhooksConfig } from './schema.js'

const { REFUSED } = STANDARD_WEBHOOKS

/** Kong's getHeader over kong.request.get_headers(): the first value of a repeated header. */
const first = (kit: Kit, name: string): string | undefined => kit.request.headerValues(name)[0]

export default definePhases<StandardWebhooksConfig>((conf, env) => {
  const secret = conf.secret_v1
  const toleranceS = conf.tolerance_second
  const refuse = (why: string) => {
    env.log.debug(why)
    return REFUSED
  }
  return {
    access(kit) {
      const id = first(kit, 'webhook-id')
      const signature = first(kit, 'webhook-signature')
      const tsHeader = first(kit, 'webhook-timestamp')
      if (id === undefined || signature === undefined || tsHeader === undefined) return refuse('missing required headers')
      // Lua's tonumber, or 0 when it is not a number (which then fails the tolerance check).
      const parsed = tsHeader.trim() === '' ? NaN : Number(tsHeader)
      const ts = Number.isNaN(parsed) ? 0 : parsed
      if (Date.now() / 1000 - ts > toleranceS) return refuse('timestamp tolerance exceeded')
      return kit.request.body().then((body) => {
        if (body.length === 0) return refuse('missing required body')
        // The timestamp is signed as Lua writes the number back (`id .. "." .. ts`).
        const mac = createHmac('sha256', secret)
          .update(`${id}.${numberToString(ts)}.`)
          .update(body)
          .digest('base64')
        return safeEqual(`v1,${mac}`, signature) ? undefined : refuse('signature not matched')
      })
    },
  }
})
