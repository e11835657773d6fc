// Probe plugins for tests of the plugin runtime: each phase leaves a trace the
// test can read (an upstream header, a response header, a log list).
import * as z from 'zod'
import { definePlugin, defineHandler, ANY_SCOPE, PROTOCOLS_ALL, type Exit, type Kit } from '../../src/plugins/types.js'
import type { CustomPlugin } from '../../src/plugins/set.js'

const config = z.strictObject({
  tag: z.string().default('probe'),
  /** Answer with this status in access. */
  exit: z.number().int().optional(),
  /** Throw (or reject, with async) in this phase. */
  throw_in: z.enum(['rewrite', 'access', 'header', 'body', 'log']).optional(),
  /** Return a promise from access. */
  async: z.boolean().default(false),
  /** Only in access: answer 429 after this many requests seen by this instance; set X-Probe-Remaining. */
  limit: z.number().int().optional(),
  /** Kit changes to the upstream request. */
  set_path: z.string().optional(),
  set_method: z.string().optional(),
  set_query: z.string().optional(),
  set_body: z.string().optional(),
  /** Cap the request body (413 "probe: too big"). */
  limit_body: z.number().int().optional(),
  /** host:port */
  set_target: z.string().optional(),
  read_body: z.boolean().default(false),
  /** body_filter: upper-case the body. */
  upper: z.boolean().default(false),
})

export interface ProbeLog {
  tag: string
  status: number
  consumer: string | undefined
  proxied: { uri: string; status: number; tries: number; upstreamLatency: number } | undefined
  sizes: { request: number; response: number }
}

/** A probe plugin named `name` with `priority`; `logged` receives one entry per log phase. */
export function probe(name: string, priority: number, logged: ProbeLog[] = []): CustomPlugin {
  const definition = definePlugin({ name, priority, version: '0.0.0', config, protocols: PROTOCOLS_ALL, scopes: ANY_SCOPE })
  const handler = defineHandler<z.infer<typeof config>>({
    name,
    create(conf) {
      let seen = 0
      const boom = () => {
        throw new Error(`${conf.tag} exploded`)
      }
      const access = (kit: Kit): Exit | undefined => {
        if (conf.throw_in === 'access') boom()
        const trace = kit.upstream.header('x-trace')
        kit.upstream.setHeader('x-trace', trace ? `${String(trace)},${conf.tag}` : conf.tag)
        if (conf.set_path !== undefined) kit.upstream.setPath(conf.set_path)
        if (conf.set_method !== undefined) kit.upstream.setMethod(conf.set_method)
        if (conf.set_query !== undefined) kit.upstream.setRawQuery(conf.set_query)
        if (conf.set_body !== undefined) kit.upstream.setBody(conf.set_body)
        if (conf.limit_body !== undefined) kit.request.limitBody(conf.limit_body, { status: 413, error: 'probe: too big' })
        if (conf.set_target !== undefined) {
          const i = conf.set_target.lastIndexOf(':')
          kit.upstream.setTarget(conf.set_target.slice(0, i), Number(conf.set_target.slice(i + 1)))
        }
        if (conf.limit !== undefined) {
          seen++
          kit.response.setHeader('x-probe-remaining', String(Math.max(0, conf.limit - seen)))
          if (seen > conf.limit) return { status: 429, error: 'API rate limit exceeded' }
        }
        if (conf.exit !== undefined) return { status: conf.exit, message: `${conf.tag} says no` }
        return undefined
      }
      return {
        rewrite(kit) {
          if (conf.throw_in === 'rewrite') boom()
          kit.shared.rewrite = [...((kit.shared.rewrite as string[] | undefined) ?? []), conf.tag]
        },
        access(kit) {
          if (conf.read_body)
            return kit.request.body().then((b): Exit | undefined => {
              kit.upstream.setHeader('x-body-seen', String(b.length))
              return access(kit)
            })
          if (!conf.async) return access(kit)
          return new Promise<Exit | undefined>((resolve, reject) =>
            setTimeout(() => {
              try {
                resolve(access(kit))
              } catch (err) {
                reject(err as Error)
              }
            }, 5),
          )
        },
        headerFilter(kit) {
          if (conf.throw_in === 'header') boom()
          kit.response.addHeader('x-phase', `${conf.tag}:header`)
          const rw = kit.shared.rewrite as string[] | undefined
          if (rw) kit.response.setHeader('x-rewrite', rw.join(','))
        },
        ...(conf.upper
          ? {
              bodyFilter(_kit, body: Buffer) {
                return body.toString().toUpperCase()
              },
            }
          : {}),
        log(kit) {
          if (conf.throw_in === 'log') boom()
          const p = kit.proxied
          logged.push({
            tag: conf.tag,
            status: kit.response.status,
            consumer: kit.consumer?.username,
            proxied: p && { uri: p.uri, status: p.status, tries: p.tries.length, upstreamLatency: p.upstreamLatency },
            sizes: kit.sizes(),
          })
        },
      }
    },
  })
  return { definition, handler: handler as CustomPlugin['handler'] }
}
