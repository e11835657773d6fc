// gateway serve's safety net (issue 12, item 3): a plugin that leaves a failing
// timer and a rejected promise behind on every request. The request path
// cannot catch those at the source (they run after the plugin returned); the
// process logs each with the id of the request that left it, and serves on,
// where Node's default would exit.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import t from 'tap'
import { request } from 'undici'

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'safety-net', 'serve.mjs')

t.test("a plugin's stray timer and promise are logged; the process serves on", async (t) => {
  const child = spawn(process.execPath, [FIXTURE], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } })
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)))
  t.teardown(async () => {
    if (child.exitCode === null) child.kill('SIGTERM')
    await exited
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (err += d))
  const lines = () =>
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
  const waitFor = async (pred: (l: Record<string, unknown>) => boolean, count = 1) => {
    for (let i = 0; i < 2000; i++) {
      const hits = lines().filter(pred)
      if (hits.length >= count) return hits
      if (child.exitCode !== null) break
      await new Promise((r) => setTimeout(r, 30))
    }
    throw new Error(`no such line in:\n${out}\n${err}`)
  }
  const [started] = await waitFor((l) => l.msg === 'started')
  const send = async () => {
    const r = await request(`http://${started!.proxy as string}/`, { headersTimeout: 10_000 })
    t.equal(r.statusCode, 200)
    t.equal(await r.body.text(), '{"message":"ok"}')
    return r.headers['x-kong-request-id'] as string
  }
  const TIMER = 'uncaught exception outside any request; serving on'
  const PROMISE = 'unhandled promise rejection outside any request; serving on'
  // The first stray callback switches request tracking on (it has a cost, paid only from then on).
  await send()
  const [first] = await waitFor((l) => l.msg === PROMISE)
  t.match(first, { err: { message: 'stray promise failed' } })
  t.notOk('request_id' in first!, 'the first line cannot name its request')
  const ids = [await send(), await send(), await send()]
  t.equal(new Set(ids).size, 3)
  const timers = await waitFor((l) => l.msg === TIMER, 4)
  const promises = await waitFor((l) => l.msg === PROMISE, 4)
  t.match(timers[0], { err: { message: 'stray timer failed' } })
  // From then on each line names the request whose plugin left the callback behind.
  const named = (lines: Record<string, unknown>[]) => lines.flatMap((l) => (typeof l.request_id === 'string' ? [l.request_id] : [])).sort()
  t.same(named(timers), [...ids].sort(), 'each later timer line names its request')
  t.same(named(promises), [...ids].sort(), 'each later rejection line names its request')
  t.equal(child.exitCode, null, 'still running')
})
