// A gateway in front of a real echo upstream, for plugin tests: the YAML names
// the upstream as $UPSTREAM (its http://127.0.0.1:port URL); both are closed
// when the test ends. `send` returns the reply and whether the upstream saw it.
// `onePlugin` writes the usual config (one route, one plugin) and `pluginLines`
// keeps what plugin instances log, for tests that assert a plugin's failure.
import { stringify } from 'yaml'
import { fetchRaw, gateway, type Reply, type TestGateway } from './gateway.js'
import type { GatewayOptions } from '../../src/server/gateway.js'
import type { PluginLog } from '../../src/plugins/types.js'
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

/**
 * kong.yml text: service `app` at $UPSTREAM, route `app` on `/`, and plugin
 * `name` with `config` on that route, or with `global` on no entity (its
 * rewrite phase then runs).
 */
export function onePlugin(name: string, config: Record<string, unknown>, opts: { global?: boolean } = {}): string {
  const plugin = { name, config }
  const route = { name: 'app', paths: ['/'], ...(opts.global ? {} : { plugins: [plugin] }) }
  return stringify(
    {
      _format_version: '3.0',
      services: [{ name: 'app', url: '$UPSTREAM', routes: [route] }],
      ...(opts.global ? { plugins: [plugin] } : {}),
    },
    { lineWidth: 0 },
  )
}

export interface PluginLine {
  plugin: string
  msg: string
  fields: Record<string, unknown> | undefined
}

/** A `pluginLog` for the gateway that keeps every line a plugin instance logs, whatever the level, in `lines`. */
export function pluginLines(): { lines: PluginLine[]; pluginLog: (p: { name: string }) => PluginLog } {
  const lines: PluginLine[] = []
  const pluginLog = (p: { name: string }): PluginLog => {
    const rec = (msg: string, fields?: Record<string, unknown>) => lines.push({ plugin: p.name, msg, fields })
    return { error: rec, warn: rec, info: rec, debug: rec }
  }
  return { lines, pluginLog }
}
