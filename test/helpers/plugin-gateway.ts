// A gateway in front of a real echo upstream, for plugin tests: the YAML names
// the upstream as $UPSTREAM (its http://127.0.0.1:port URL); both are closed
// when the test ends. `send` returns the reply and whether the upstream saw it.
import { fetchRaw, gateway, type Reply, type TestGateway } from './gateway.js'
import type { GatewayOptions } from '../../src/server/gateway.js'
import { startUpstream, type Echo, type Handler, type Upstream } from './upstream.js'

export interface PluginGateway {
  gw: TestGateway
  up: Upstream
  /** One request; `reached` is the upstream's view of it, or undefined when it never got there. */
  send(path: string, opts?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Reply & { reached: Echo | undefined }>
}

export async function pluginGateway(
  t: { teardown(fn: () => Promise<void>): void },
  yaml: string,
  handler?: Handler,
  opts: Partial<GatewayOptions> = {},
): Promise<PluginGateway> {
  const up = await startUpstream('upstream', handler)
  const gw = await gateway(yaml.replaceAll('$UPSTREAM', up.url), opts)
  t.teardown(async () => {
    await gw.close()
    await up.close()
  })
  return {
    gw,
    up,
    async send(path, opts = {}) {
      const before = up.requests.length
      const r = await fetchRaw(`${gw.url}${path}`, opts)
      return Object.assign(r, { reached: up.requests.length > before ? up.requests[up.requests.length - 1] : undefined })
    },
  }
}
