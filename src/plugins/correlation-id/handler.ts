/**
 * correlation-id: keeps the client's id header when it has a non-empty one,
 * otherwise generates one and sends it upstream. The id is also put in
 * `kit.shared.correlation_id` for log plugins (Kong adds it to the log record).
 */
import { randomUUID } from 'node:crypto'
import { definePhases, nodeSlot, type Kit, type NodeView } from '../types.js'
import type { CorrelationIdConfig } from './schema.js'

// Per node, like Kong's per-worker uuid and counter (shared by every instance, kept across reloads).
const WORKER_SEQUENCE = nodeSlot('correlation-id:sequence', () => ({ uuid: randomUUID(), counter: 0 }))
type Generator = (kit: Kit) => string

function generator(name: CorrelationIdConfig['generator'], node: NodeView): Generator {
  switch (name) {
    case 'uuid':
      return () => randomUUID()
    case 'uuid#counter': {
      const seq = node.slot(WORKER_SEQUENCE)
      return () => `${seq.uuid}#${++seq.counter}`
    }
    case 'tracker':
      // <server_addr>-<server_port>-<pid>-<connection>-<connection_requests>-<seconds.millis>
      return (kit) => {
        const c = kit.request.connection
        return `${kit.request.serverAddr}-${kit.request.port}-${process.pid}-${c.id}-${c.requests}-${(Date.now() / 1000).toFixed(3)}`
      }
  }
}

export default definePhases<CorrelationIdConfig>((conf, env) => {
  const name = conf.header_name.toLowerCase()
  const generate = generator(conf.generator, env.node)
  const echoed = new WeakMap<Kit, string>()
  const access = (kit: Kit) => {
    let id = kit.request.headerValues(name)[0]
    if (id === undefined || id === '') {
      id = generate(kit)
      kit.upstream.setHeader(name, id)
    }
    kit.shared.correlation_id = id
    if (conf.echo_downstream) echoed.set(kit, id)
    return undefined
  }
  if (!conf.echo_downstream) return { access }
  return {
    access,
    headerFilter(kit) {
      const id = echoed.get(kit)
      if (id !== undefined) kit.response.setHeader(name, id)
    },
  }
})
