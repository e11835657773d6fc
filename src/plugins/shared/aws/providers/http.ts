/**
 * One request of a credential source to its endpoint (ECS/EKS agent, IMDS,
 * STS): through the node's pools (client.ts), with the source's own timeout,
 * the answer read whole up to 64 KiB. Failures become SourceFailed naming the
 * endpoint and the cause (a code, a status), never a header or body sent.
 */
import type { NodeView } from '../../../types.js'
import { dispatcherFor, send, type AwsResponse } from '../client.js'
import { SourceFailed } from './types.js'

const MAX_ANSWER = 64 * 1024

export interface SourceRequest {
  readonly method: string
  readonly headers?: Record<string, string>
  readonly body?: string
  /** Connect and read timeout (ms). */
  readonly timeout: number
  readonly proxyUrl?: string | undefined
}

export async function request(node: NodeView, url: URL, r: SourceRequest): Promise<AwsResponse> {
  const origin = url.origin
  const path = `${url.pathname}${url.search}`
  const d = dispatcherFor(node, { origin, timeout: r.timeout, keepalive: 4000, proxyUrl: r.proxyUrl })
  try {
    return await send(d, origin, { method: r.method, path, headers: r.headers ?? {}, body: r.body ?? '' }, MAX_ANSWER)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new SourceFailed(`${origin}: ${code ?? (err instanceof Error ? err.message : 'failed')}`)
  }
}

/** The JSON object of an answer, or SourceFailed naming the endpoint. */
export function jsonOf(url: URL, body: Buffer): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(body.toString('utf8'))
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>
  } catch {
    // fall through: the same answer as a non-object
  }
  throw new SourceFailed(`${url.origin}: the answer is not a JSON object`)
}
