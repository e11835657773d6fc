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
