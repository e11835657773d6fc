// Starts the real gateway from a YAML string on 127.0.0.1:0 and sends it real HTTP.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request as undiciRequest } from 'undici'
import { startGateway, type Gateway, type GatewayOptions } from '../../src/server/gateway.js'

export interface TestGateway extends Gateway {
  url: string
  adminUrl: string | undefined
  file: string
}

export async function gateway(yaml: string, opts: Partial<GatewayOptions> = {}): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-test-'))
  const file = join(dir, 'kong.yml')
  writeFileSync(file, yaml)
  const g = await startGateway({ config: file, listen: ['127.0.0.1:0'], adminListen: 'off', env: {}, watch: false, ...opts })
  return { ...g, url: `http://${g.proxy[0]}`, adminUrl: g.admin ? `http://${g.admin}` : undefined, file }
}

export interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
  json<T = Record<string, unknown>>(): T
}

/** One request, body read in full. */
export async function fetchRaw(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  const r = await undiciRequest(url, { method: (opts.method ?? 'GET') as 'GET', headers: opts.headers, body: opts.body })
  const body = await r.body.text()
  return { status: r.statusCode, headers: r.headers, body, json: () => JSON.parse(body) }
}

interface Closable {
  close(): Promise<void>
}

/**
 * A gateway balancing `/` over real upstream servers: upstream `app.upstream`
 * with `upstreamFields` (YAML lines, indented under the upstream) and one target
 * per server. Closes the gateway and the servers when the test ends.
 */
export async function balancedGateway(
  t: { teardown(fn: () => Promise<void>): void },
  servers: readonly { port: number; close(): Promise<void> }[],
  upstreamFields = '',
  serviceFields = '',
): Promise<TestGateway> {
  const indent = (block: string, n: number) =>
    block
      .split('\n')
      .filter(Boolean)
      .map((l) => `${' '.repeat(n)}${l}`)
      .join('\n')
  const gw = await gateway(`_format_version: "3.0"
upstreams:
  - name: app.upstream
${indent(upstreamFields, 4)}
    targets:
${servers.map((s) => `      - target: 127.0.0.1:${s.port}`).join('\n')}
services:
  - name: app
    host: app.upstream
${indent(serviceFields, 4)}
    routes: [{ name: app, paths: [/] }]
`)
  t.teardown(async () => {
    await gw.close()
    await Promise.all(servers.map((s: Closable) => s.close()))
  })
  return gw
}
