/**
 * kong.client (the connection, the credential and the consumer) and kong.ip
 * (whether an address is a trusted proxy): what the gateway knows of who is
 * calling.
 */
import { LuaError } from '../core/errors.js'
import { toText, type LuaValue } from '../core/value.js'
import { toLua } from './convert.js'
import { currentHeader } from './headers.js'
import { kit } from './run.js'
import { library } from './table.js'

const credentialTable = (): LuaValue => {
  const c = kit().credential
  return c === undefined ? undefined : toLua({ id: c.id, consumer: c.consumer === undefined ? undefined : { id: c.consumer } })
}

export const client = library('kong.client', {
  // Kong: get_ip is the connection's peer (realip_remote_addr), get_forwarded_ip what realip made of it.
  get_ip: () => kit().request.peerIp,
  get_forwarded_ip: () => kit().request.clientIp,
  get_port: () => Number(kit().request.port),
  get_forwarded_port: () => Number(currentHeader('x-forwarded-port')) || kit().request.port,
  get_credential: credentialTable,
  get_consumer: () => {
    const c = kit().consumer
    return c === undefined ? undefined : toLua({ id: c.id, username: c.username, custom_id: c.custom_id, tags: c.tags })
  },
  get_protocol: () => kit().request.scheme,
  authenticate: () => {
    throw new LuaError('kong.client.authenticate is not available to untrusted Lua here')
  },
  load_consumer: () => {
    throw new LuaError('kong.client.load_consumer is not available to untrusted Lua here')
  },
})

export const ip = library('kong.ip', {
  // Whether `address` is in --trusted-ips (Kong's trusted_ips); anything not an IP address is not.
  is_trusted: (address) => typeof address === 'string' && kit().request.isTrustedIp(toText(address)),
})
