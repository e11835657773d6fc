// Exceptions on the request path (issue 12, item 3): a plugin that throws from
// each phase, synchronously or after a promise, or hands back something the
// gateway cannot send, and the gateway's own callbacks: each is caught, logged
// with the request id, answered with Kong's 500 when nothing was sent yet, and
// the gateway serves on.
import t from 'tap'
import * as z from 'zod'
import { pluginSet, type CustomPlugin } from '../../src/plugins/set.js'
import { ANY_SCOPE, definePlugin, defineHandler, PROTOCOLS_ALL, type Exit } from '../../src/plugins/types.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const config = z.strictObject({
  /** Where it fails. */
  in: z.enum(['rewrite', 'access', 'access-async', 'access-bad-exit', 'header_filter', 'body_filter', 'log', 'header_filter-raw', 'none']),
  /** Answer from access (so header_filter runs on an exit). */
  exit: z.boolean().default(false),
})

function thrower(): CustomPlugin {
  const definition = definePlugin({ name: 'thrower', priority: 1234, version: '0.0.0', config, protocols: PROTOCOLS_ALL, scopes: ANY_SCOPE })
  const handler = defineHandler<z.infer<typeof config>>({
    name: 'thrower',
    create(conf) {
      const boom = (where: string) => {
        throw new Error(`thrower failed in ${where}`)
      }
      return {
        rewrite() {
          if (conf.in === 'rewrite') boom('rewrite')
        },
        access(): Exit | undefined | Promise<Exit | undefined> {
          if (conf.in === 'access') boom('access')
          if (conf.in === 'access-async')
            return new Promise<void>((r) => setTimeout(r, 1)).then(() => {
              boom('access, after a timer')
              return undefined
            })
          // A plugin bug: not an exit at all.
          if (conf.in === 'access-bad-exit') return {} as Exit
          return conf.exit ? { status: 403, message: 'no' } : undefined
        },
        headerFilter(kit) {
          if (conf.in === 'header_filter') boom('header_filter')
          // Behind the kit's back: no check can see this until Node writes it.
          if (conf.in === 'header_filter-raw') kit.response.headers['x-raw'] = 'a\r\nb'
        },
        bodyFilter(_kit, body) {
          if (conf.in === 'body_filter') boom('body_filter')
          return body
        },
        log() {
          if (conf.in === 'log') boom('log')
        },
      }
    },
  })
  return { definition, handler: handler as CustomPlugin['handler'] }
}

const plugins = pluginSet([thrower()])
const yaml = (conf: string, global = false) => `_format_version: "3.0"
services:
  - name: app
    url: $UPSTREAM
    routes:
      - name: app
        paths: [/]
${global ? '' : `        plugins:\n          - name: thrower\n            config: ${conf}\n`}${global ? `plugins:\n  - name: thrower\n    config: ${conf}\n` : ''}`

interface Line {
  who: string
  msg: string
  fields: Record<string, unknown>
}
async function start(
  t: { teardown(fn: () => Promise<void>): void },
  conf: string,
  opts: { global?: boolean; accessLog?: (e: Record<string, unknown>) => void } = {},
) {
  const lines: Line[] = []
  const pluginLog = (p: { name: string }) => {
    const rec = (msg: string, fields?: Record<string, unknown>) => lines.push({ who: p.name, msg, fields: fields ?? {} })
    return { error: rec, warn: rec, info: rec, debug: rec }
  }
  const requestLog = (fields: Record<string, unknown>, msg: string) => lines.push({ who: 'gateway', msg, fields })
  const pg = await pluginGateway(t, yaml(conf, opts.global), undefined, { plugins, pluginLog, requestLog, accessLog: opts.accessLog })
  const until = async (n: number) => {
    for (let i = 0; i < 200 && lines.length < n; i++) await new Promise((r) => setTimeout(r, 10))
  }
  return { ...pg, lines, until }
}

const UNEXPECTED = 'An unexpected error occurred'

t.test('a throw from rewrite, access, and an access promise: 500, logged with the plugin and the request id', async (t) => {
  for (const [conf, global, phase] of [
    ['{ in: rewrite }', true, 'rewrite'],
    ['{ in: access }', false, 'access'],
    ['{ in: access-async }', false, 'access'],
    ['{ in: access-bad-exit }', false, 'access'],
  ] as const) {
    const g = await start(t, conf, { global })
    const r = await g.send('/')
    t.equal(r.status, 500, conf)
    t.equal(r.json().message, UNEXPECTED)
    t.equal(r.reached, undefined)
    t.same(
      g.lines.map((l) => [l.who, l.fields.phase, l.fields.request_id]),
      [['thrower', phase, r.headers['x-kong-request-id']]],
    )
    t.equal((await g.send('/')).status, 500, 'serves on')
  }
})

t.test('a throw from header_filter, body_filter and log: logged with the request id; the answer goes out', async (t) => {
  for (const [conf, phase, status] of [
    ['{ in: header_filter }', 'header_filter', 200],
    ['{ in: header_filter, exit: true }', 'header_filter', 403],
    ['{ in: body_filter }', 'body_filter', 200],
    ['{ in: log }', 'log', 200],
  ] as const) {
    const g = await start(t, conf)
    const r = await g.send('/')
    t.equal(r.status, status, conf)
    await g.until(1)
    t.same(
      g.lines.map((l) => [l.who, l.fields.phase, l.fields.request_id]),
      [['thrower', phase, r.headers['x-kong-request-id']]],
    )
  }
})

t.test('a header that only Node refuses, on a proxied answer and on an exit: 500 with the request id logged', async (t) => {
  for (const conf of ['{ in: header_filter-raw }', '{ in: header_filter-raw, exit: true }']) {
    const g = await start(t, conf)
    const r = await g.send('/')
    t.equal(r.status, 500, conf)
    t.equal(r.json().message, UNEXPECTED)
    t.equal(r.headers['x-raw'], undefined)
    t.same(
      g.lines.map((l) => [l.who, l.msg, l.fields.request_id]),
      [['gateway', 'unexpected error on the request path', r.headers['x-kong-request-id']]],
    )
    t.equal((await g.send('/')).status, 500, 'serves on')
  }
})

t.test('an access log callback that throws is logged; the gateway serves on', async (t) => {
  const g = await start(t, '{ in: none }', {
    accessLog: () => {
      throw new Error('log sink broke')
    },
  })
  const first = await g.send('/')
  t.equal(first.status, 200)
  await g.until(1)
  t.match(g.lines[0], { who: 'gateway', fields: { where: 'access log', request_id: first.headers['x-kong-request-id'], err: { message: 'log sink broke' } } })
  t.equal((await g.send('/')).status, 200)
})
