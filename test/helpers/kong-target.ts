// A target server shaped like Kong's spec fixture (spec/fixtures/https_server.lua) for the
// balancer and health-check specs: on 127.0.0.1:0, http or https, it counts what it answered.
// Proxied requests get 200 while it is healthy and 500 while not (`ok` / `fail`); GET /status
// is the active probe's path, answered the same way (`statusOk` / `statusFail`). `timeouts`
// makes that many next proxied requests hang unanswered; `hold` keeps every proxied request
// open until `release()`. Closed when the test ends.
import { readFileSync } from 'node:fs'
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttps } from 'node:https'
import type { AddressInfo } from 'node:net'

export interface KongTarget {
  readonly port: number
  readonly name: string
  /** Proxied requests answered 200 / 500. */
  ok: number
  fail: number
  /** Probes of /status answered 200 / 500. */
  statusOk: number
  statusFail: number
  /** TCP connections accepted. */
  connections: number
  /** The Host header of each proxied request, in order. */
  hosts: string[]
  healthy: boolean
  /** Proxied requests still to leave unanswered (Kong's fixture's /timeout). */
  timeouts: number
  /** Keep proxied requests open until release(). */
  hold: boolean
  /** Proxied requests held open now. */
  readonly held: number
  /** Answers the held requests (200, or 500 when unhealthy). */
  release(): void
  /** Proxied requests received (answered, held or left to time out). */
  readonly total: number
  close(): Promise<void>
}

const TLS = () => ({ cert: readFileSync('test/fixtures/tls/server.crt'), key: readFileSync('test/fixtures/tls/server.key') })

/** `port`: 0 for any free one, or a given one (a target back on the port another left). */
export async function kongTarget(
  t: { teardown(fn: () => Promise<void>): void },
  name: string,
  protocol: 'http' | 'https' = 'http',
  port = 0,
): Promise<KongTarget> {
  const waiting: ServerResponse[] = []
  let total = 0
  const answer = (target: KongTarget, res: ServerResponse) => {
    if (target.healthy) target.ok++
    else target.fail++
    res.writeHead(target.healthy ? 200 : 500, { 'content-type': 'text/plain' })
    res.end(`${target.healthy ? 'ok' : 'fail'} ${name}`)
  }
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    req.resume()
    req.on('end', () => {
      if (req.url === '/status') {
        if (target.healthy) target.statusOk++
        else target.statusFail++
        res.writeHead(target.healthy ? 200 : 500)
        res.end()
        return
      }
      total++
      target.hosts.push(req.headers.host ?? '')
      if (target.timeouts > 0) {
        target.timeouts--
        return // never answered: the gateway's read timeout fires
      }
      if (target.hold) waiting.push(res)
      else answer(target, res)
    })
  }
  const server: Server = protocol === 'https' ? createHttps(TLS(), handler) : createHttp(handler)
  server.on('connection', () => target.connections++)
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
  const target: KongTarget = {
    port: (server.address() as AddressInfo).port,
    name,
    ok: 0,
    fail: 0,
    statusOk: 0,
    statusFail: 0,
    connections: 0,
    hosts: [],
    healthy: true,
    timeouts: 0,
    hold: false,
    get held() {
      return waiting.length
    },
    release() {
      for (const res of waiting.splice(0)) answer(target, res)
    },
    get total() {
      return total
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  t.teardown(() => target.close())
  return target
}

/**
 * Polls `check` until it holds (Kong's specs' pwait_until): a state the gateway reaches on its
 * own timers is waited for, never assumed after a sleep. The bound is generous (10 s); it only
 * turns a state that never comes into a failure instead of a hang.
 */
export async function until(check: () => boolean | Promise<boolean>, what: string, boundMs = 10_000): Promise<void> {
  const end = Date.now() + boundMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`never happened within ${boundMs} ms: ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
