/**
 * HTTP to AWS endpoints: one keep-alive connection pool per endpoint and
 * settings, on the node (kept across reloads, closed with it), reached
 * directly or through an http forward proxy (CONNECT for https). As Kong's
 * lua-resty-aws, certificates are not verified. Answers are read whole, up to
 * a bound, so a misbehaving endpoint cannot grow memory.
 */
import { Pool, ProxyAgent, type Dispatcher } from 'undici'
import { nodeSlot, type NodeView } from '../../types.js'

const DISPATCHERS = nodeSlot(
  'shared:aws-dispatchers',
  () => new Map<string, Dispatcher>(),
  async (all) => {
    const list = [...all.values()]
    all.clear()
    await Promise.allSettled(list.map((d) => d.close()))
  },
)

export interface Endpoint {
  /** `https://host:port` */
  readonly origin: string
  /** Connect and read timeout (ms). */
  readonly timeout: number
  /** How long an idle connection stays open (ms). */
  readonly keepalive: number
  /** An http:// forward proxy. */
  readonly proxyUrl?: string | undefined
}

/** The node's dispatcher for an endpoint (created on first use). */
export function dispatcherFor(node: NodeView, e: Endpoint): Dispatcher {
  const all = node.slot(DISPATCHERS)
  const key = `${e.origin}|${e.timeout}|${e.keepalive}|${e.proxyUrl ?? ''}`
  let d = all.get(key)
  if (!d) {
    const keepAlive = Math.max(1, e.keepalive)
    const common = { keepAliveTimeout: keepAlive, keepAliveMaxTimeout: keepAlive, headersTimeout: e.timeout, bodyTimeout: e.timeout }
    const connect = { timeout: e.timeout, rejectUnauthorized: false }
    d = e.proxyUrl ? new ProxyAgent({ uri: e.proxyUrl, ...common, requestTls: connect, proxyTls: connect }) : new Pool(e.origin, { ...common, connect })
    all.set(key, d)
  }
  return d
}

export interface AwsResponse {
  readonly status: number
  /** Lower-case names, as received (repeated ones as arrays). */
  readonly headers: Record<string, string | string[]>
  readonly body: Buffer
}

/** The answer was larger than the caller accepts. */
export class ResponseTooLarge extends Error {
  constructor(limit: number) {
    super(`response larger than ${limit} bytes`)
  }
}

export interface AwsRequest {
  readonly method: string
  readonly path: string
  readonly headers: Record<string, string>
  readonly body: string | Buffer
}

/** Sends one request and reads the whole answer (at most `maxBytes`). */
export async function send(d: Dispatcher, origin: string, req: AwsRequest, maxBytes: number): Promise<AwsResponse> {
  const res = await d.request({ origin, method: req.method as Dispatcher.HttpMethod, path: req.path, headers: req.headers, body: req.body })
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > maxBytes) {
      res.body.destroy()
      throw new ResponseTooLarge(maxBytes)
    }
    chunks.push(chunk)
  }
  const headers: Record<string, string | string[]> = {}
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = v
  return { status: res.statusCode, headers, body: Buffer.concat(chunks) }
}
