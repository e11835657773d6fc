// Kong's `healthchecks.active.concurrency` (kong/db/schema/entities/upstreams.lua:95, default 10;
// spec/01-unit/01-db/01-schema/09-upstreams_spec.lua:513 sets it): how many targets of one upstream
// are probed at once. Five real targets hold every probe open until the test lets it go, and count
// how many are open together; the limit is seen reached, never passed, and every target still gets
// its turn. States are polled for, never assumed after a sleep.
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { stringify } from 'yaml'
import { gateway } from '../helpers/gateway.js'
import { until } from '../helpers/kong-target.js'

t.test('at most `concurrency` probes of an upstream are in flight', async (t) => {
  let open = 0
  let most = 0
  const held: ServerResponse[] = []
  const probed = new Set<number>()
  const servers: Server[] = []
  for (let i = 0; i < 5; i++) {
    const server = createServer((req, res) => {
      probed.add((req.socket.address() as AddressInfo).port)
      open++
      most = Math.max(most, open)
      res.on('close', () => open--)
      held.push(res)
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    servers.push(server)
  }
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      upstreams: [
        {
          name: 'probed',
          healthchecks: { active: { concurrency: 2, timeout: 30, http_path: '/status', healthy: { interval: 0.05 } } },
          targets: servers.map((s) => ({ target: `127.0.0.1:${(s.address() as AddressInfo).port}` })),
        },
      ],
      services: [{ name: 'svc', host: 'probed', routes: [{ paths: ['/'] }] }],
    }),
  )
  t.teardown(async () => {
    await gw.close()
    for (const res of held) res.end()
    for (const s of servers) {
      s.closeAllConnections()
      await new Promise((r) => s.close(r))
    }
  })
  await until(() => open >= 2, 'two probes open')
  // Let the held probes go one at a time, oldest first: each freed slot lets a waiting target in.
  while (probed.size < servers.length) {
    await until(() => held.length > 0, 'a probe held')
    held.shift()!.writeHead(200).end()
  }
  t.equal(most, 2, 'the limit was reached and never passed')
  t.equal(probed.size, 5, 'every target was probed')
})
