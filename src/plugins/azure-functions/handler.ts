/**
 * azure-functions: the request is sent to the function instead of the
 * service, and the function's answer is the client's, as Kong does
 * (kong/plugins/azure-functions/handler.lua): to
 * `<https ? https:443 : http:80>://<appname>.<hostdomain>/<routeprefix>/<functionname>`
 * (slashes around both trimmed; since Kong 3.6 the request's own path is not
 * added), with the client's method, query, headers (less Host) and body, plus
 * x-functions-key / x-functions-clientid from the config (a client's own are
 * replaced, or removed when the config has none). The answer keeps the
 * function's status, headers (less the hop-by-hop ones) and body, with Kong's
 * Via. An unreachable function is Kong's 500.
 */
import { Pool } from 'undici'
import { AZURE_FUNCTIONS } from '../../errors.js'
import { decodeArgs, encodeArgs } from '../../http/args.js'
import { definePhases, nodeSlot, type Kit } from '../types.js'
import type { AzureFunctionsConfig } from './schema.js'

// One pool per function host and settings, kept across reloads.
const POOLS = nodeSlot(
  'azure-functions:pools',
  () => new Map<string, Pool>(),
  async (pools) => {
    const all = [...pools.values()]
    pools.clear()
    await Promise.allSettled(all.map((p) => p.close()))
  },
)

// A function's answer is read whole (Kong's request_uri does); past this it is refused.
const MAX_ANSWER = 64 * 1024 * 1024
// Not sent on: the connection's own, and the length (the body is sent whole).
const REQUEST_DROPPED = new Set(['host', 'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'upgrade', 'content-length', 'expect'])
// Dropped from the answer, as Kong drops them (it reads nginx's $http2, set on every request since nginx 1.25).
const ANSWER_DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'transfer-encoding', 'content-length'])

const trimSlashes = (s: string) => s.replace(/^\/+/, '').replace(/\/+$/, '')

/** Kong's path: /<routeprefix>/<functionname>, each without leading or trailing slashes. */
export function functionPath(routeprefix: string | undefined, functionname: string): string {
  const prefix = trimSlashes(routeprefix ?? '')
  return `${prefix === '' ? '' : `/${prefix}`}/${trimSlashes(functionname)}`
}

function outgoingHeaders(kit: Kit, conf: AzureFunctionsConfig): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const name of Object.keys(kit.request.headers)) {
    if (REQUEST_DROPPED.has(name)) continue
    const values = kit.request.headerValues(name)
    if (values.length > 0) out[name] = values.length === 1 ? values[0]! : [...values]
  }
  delete out['x-functions-key']
  delete out['x-functions-clientid']
  if (conf.apikey !== undefined) out['x-functions-key'] = conf.apikey
  if (conf.clientid !== undefined) out['x-functions-clientid'] = conf.clientid
  return out
}

export default definePhases<AzureFunctionsConfig>((conf, env) => {
  const host = `${conf.appname}.${conf.hostdomain}`
  const scheme = conf.https ? 'https' : 'http'
  const origin = `${scheme}://${host}:${conf.https ? 443 : 80}`
  const path = functionPath(conf.routeprefix, conf.functionname)
  const pools = env.node.slot(POOLS)
  const key = `${origin}|${conf.timeout}|${conf.keepalive}|${conf.https_verify}`
  let pool = pools.get(key)
  if (!pool) {
    const keepAlive = Math.max(1, conf.keepalive)
    pool = new Pool(origin, {
      keepAliveTimeout: keepAlive,
      keepAliveMaxTimeout: keepAlive,
      headersTimeout: conf.timeout,
      bodyTimeout: conf.timeout,
      connect: { timeout: conf.timeout, rejectUnauthorized: conf.https_verify, servername: conf.https ? host : undefined },
    })
    pools.set(key, pool)
  }
  const dispatcher = pool

  const call = async (kit: Kit) => {
    const body = await kit.request.body()
    // kong.request.get_query, encoded again by the HTTP client (ngx.encode_args).
    const query = encodeArgs(decodeArgs(kit.request.rawQuery))
    const method = kit.request.method
    const res = await dispatcher.request({
      method: method as 'GET',
      path: query === '' ? path : `${path}?${query}`,
      headers: outgoingHeaders(kit, conf),
      body: body.length > 0 || (method !== 'GET' && method !== 'HEAD') ? body : undefined,
    })
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > MAX_ANSWER) {
        res.body.destroy()
        throw new Error(`answer larger than ${MAX_ANSWER} bytes`)
      }
      chunks.push(chunk)
    }
    const headers: Record<string, string | string[]> = {}
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined && !ANSWER_DROPPED.has(k)) headers[k] = v
    return { status: res.statusCode, headers, body: Buffer.concat(chunks), via: true }
  }

  return {
    access(kit) {
      return call(kit).catch((err: unknown) => {
        env.log.error(err instanceof Error ? err.message : String(err), { request_id: kit.requestId })
        return AZURE_FUNCTIONS.UNREACHABLE
      })
    },
  }
})
