// Reloads compile the router in slices (compileRouterAsync), startup in one go (compileRouter):
// both must give the same router, on a config that exercises every kind of route attribute.
import t from 'tap'
import { compileRouter, compileRouterAsync, type Router } from '../../src/compile/router.js'
import { describeReq, load, matchOf, type Req } from '../helpers/router.js'

const N = 1200

/** Services of 4 routes each, cycling through hosts (plain, wildcard, with port), methods, headers, SNIs, regexes, several path lengths. */
function generated(): string {
  let y = 'services:\n'
  for (let i = 0; i < N / 4; i++) {
    y += `- name: s${i}\n  url: http://up-${i % 7}.internal/base${i % 3 === 0 ? '/' : ''}\n`
    if (i % 53 === 5) y += '  enabled: false\n'
    y += '  routes:\n'
    const k = i % 10
    y += `  - name: p${i}\n    paths: [/p${i}, /p${i}/deeper/${k}]\n    strip_path: ${i % 2 === 0}\n`
    if (k === 1) y += `    hosts: [h${i}.example.com, '*.w${i % 5}.example.com']\n`
    if (k === 2) y += `    hosts: ['api${i % 4}.*']\n    methods: [GET, POST]\n`
    if (k === 3) y += `    hosts: ['h${i}.example.com:8443']\n`
    y += `  - name: r${i}\n    paths: ['~/r${i % 40}/(?<id>\\d+)$', '~/rx${i}/(\\w+)']\n    regex_priority: ${i % 6}\n`
    if (k === 4) y += `    headers: {x-tenant: [t${i % 3}, '~*^T-${i % 2}']}\n`
    y += `  - name: m${i}\n    methods: [${i % 2 ? 'PUT' : 'DELETE'}]\n    paths: [/m${i % 25}]\n`
    if (k === 5) y += `    protocols: [https]\n    snis: [s${i % 3}.example.com]\n`
    if (k === 6) y += `    protocols: [https]\n`
    y += `  - name: q${i}\n    paths: [/${i % 9 === 0 ? '' : `q${i % 30}`}]\n`
    if (k === 7) y += `    headers: {x-v: ['${i % 4}']}\n    hosts: [q.example.com]\n`
    if (k === 8) y += `    protocols: [grpc, grpcs]\n`
  }
  return y
}

function requests(): (Req | string)[] {
  const out: (Req | string)[] = []
  for (let i = 0; i < N / 4; i += 3) {
    const k = i % 10
    out.push(
      `/p${i}`,
      `/p${i}/deeper/${k}/x`,
      `/r${i % 40}/${i}`,
      `/rx${i}/abc/def`,
      { method: 'PUT', path: `/m${i % 25}/z` },
      { method: 'DELETE', path: `/m${i % 25}` },
      `/q${i % 30}/w`,
    )
    out.push(
      { host: `h${i}.example.com`, path: `/p${i}` },
      { host: `a.w${i % 5}.example.com`, path: `/p${i}/y` },
      { host: `api${i % 4}.example.org`, method: 'POST', path: `/p${i}` },
    )
    out.push({ host: `h${i}.example.com:8443`, path: `/p${i}` }, { host: 'h1.example.com', port: 8443, path: `/p${i}` })
    out.push({ path: `/r${i % 40}/7`, headers: { 'x-tenant': `t${i % 3}` } }, { path: '/q', headers: { 'x-tenant': 'T-1x' } })
    out.push(
      { host: 'q.example.com', path: `/q${i % 30}`, headers: { 'x-v': String(i % 4) } },
      { method: 'PUT', path: `/m${i % 25}`, sni: `s${i % 3}.example.com` },
    )
  }
  out.push('/', '/nothing/here', '/r1/x', '/rx1/')
  return out
}

/** What a request sees of a match. */
function seen(router: Router, req: Req | string) {
  const m = matchOf(router, req)
  if (!m) return null
  return {
    route: m.route.id,
    service: m.service?.id,
    upstreamPath: m.upstreamPath,
    strippedPrefix: m.strippedPrefix,
    captures: m.captures,
    httpsOnly: m.httpsOnly,
    grpcOnly: m.grpcOnly,
  }
}

t.test('compileRouterAsync builds the same router as compileRouter', async (t) => {
  const config = load(generated())
  t.equal(config.routes.length, N)
  const sync = compileRouter(config)
  // sliceMs 0: the event loop turns at every step, as many times as the compile can pause.
  let turns = 0
  let turning = true
  const spin = () => {
    turns++
    if (turning) setImmediate(spin)
  }
  setImmediate(spin)
  const sliced = await compileRouterAsync(config, { sliceMs: 0 })
  turning = false
  t.ok(turns >= N / 128, `the event loop turned while it compiled (${turns} turns)`)
  const whole = await compileRouterAsync(config)

  t.same(sliced.describe(), sync.describe(), 'same matchers in the same order')
  t.same(whole.describe(), sync.describe(), 'same matchers in the same order (default slices)')
  t.equal(sliced.usesHeaders, sync.usesHeaders)
  let matched = 0
  for (const req of requests()) {
    const want = seen(sync, req)
    if (want) matched++
    t.same(seen(sliced, req), want, describeReq(req))
  }
  t.ok(matched > 300, `most requests match some route (${matched})`)
})

t.test('compileRouterAsync of an empty config matches nothing', async (t) => {
  const router = await compileRouterAsync(load('services: []\n'))
  t.same(router.describe(), [])
  t.equal(matchOf(router, '/'), undefined)
})
