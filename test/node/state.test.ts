// The node: slots are made once per node and closed with it; pools and
// health are the node's, so two nodes never share them; a reload keeps them.
import t from 'tap'
import { createNodeState } from '../../src/node/state.js'
import { nodeSlot } from '../../src/plugins/types.js'
import { gateway } from '../helpers/gateway.js'
import type { LocalCounters } from '../../src/node/counters.js'

t.test('a slot is created on first use, once, and closed with the node', async (t) => {
  let created = 0
  const closed: string[] = []
  const slot = nodeSlot(
    'test:thing',
    (node) => ({ n: ++created, node: node.id }),
    (v) => void closed.push(`closed ${v.n}`),
  )
  const node = createNodeState({ id: 'node-1' })
  const a = node.slot(slot)
  t.equal(node.slot(slot), a, 'the same value on every use')
  t.same(a, { n: 1, node: 'node-1' }, 'the factory gets the node')
  t.throws(() => node.slot(nodeSlot('test:thing', () => 0)), /declared twice/, 'two slots may not share a key')
  await node.close()
  t.same(closed, ['closed 1'])
  await node.close()
  t.same(closed, ['closed 1'], 'closing twice closes once')
})

t.test('two nodes share nothing', async (t) => {
  const one = createNodeState()
  const two = createNodeState()
  t.teardown(async () => {
    await one.close()
    await two.close()
  })
  t.not(one.id, two.id)
  one.counters.add(['k'], 5, [60])
  t.same(one.counters.get(['k']), [5])
  t.same(two.counters.get(['k']), [0], "another node's counters are its own")
  const settings = { origin: 'http://a.internal:80', connectTimeout: 1000 }
  t.not(one.pools.get(settings), two.pools.get(settings))
  one.health.of('u|a:1').healthy = false
  t.equal(two.health.of('u|a:1').healthy, true)
})

t.test('closing the node closes its pools and releases timers', async (t) => {
  const node = createNodeState()
  const pool = node.pools.get({ origin: 'http://a.internal:80', connectTimeout: 1000 })
  const counters = node.counters as LocalCounters
  counters.add(['k'], 1, [60]) // starts the sweeper
  await node.close()
  t.ok(pool.closed)
  t.equal(counters.store.size, 0, 'the counters were cleared (and their sweeper stopped)')
})

t.test('a gateway passed a node uses it and leaves it open; its own node closes with it', async (t) => {
  const node = createNodeState({ id: 'shared-node' })
  t.teardown(() => node.close())
  const yaml = '_format_version: "3.0"\nroutes:\n  - paths: [/]\n    plugins: [{ name: request-termination, config: { status_code: 200 } }]\n'
  const g = await gateway(yaml, { node })
  t.equal(g.node, node)
  t.equal(g.holder.current().node, node, 'the Runtime borrows the node it was given')
  node.counters.add(['k'], 1, [60])
  await g.close()
  t.same(node.counters.get(['k']), [1], 'still open: the caller owns it')
  const own = await gateway(yaml)
  const ownCounters = own.node.counters as LocalCounters
  ownCounters.add(['k'], 1, [60])
  await own.close()
  t.equal(ownCounters.store.size, 0, "a gateway's own node is closed with it")
})
