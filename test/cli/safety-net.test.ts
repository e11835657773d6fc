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
    for (let i = 0; i < 330; i++) {
      const hits = lines().filter(pred)
      if (hits.length >= count) return hits
      if (child.exitCode !== null) break
      await new Promise((r) => setTimeout(r, 30))
    }
    throw new Error(`no such line in:\n${out}\n${err}`)
  }
  const [started] = await waitFor((l) => l.msg === 'started')
  const ids: string[] = []
  for (let i = 0; i < 3; i++) {
    const r = await request(`http://${started!.proxy as string}/`, { headersTimeout: 10_000 })
    t.equal(r.statusCode, 200)
    t.equal(await r.body.text(), '{"message":"ok"}')
    ids.push(r.headers['x-kong-request-id'] as string)
  }
  const timers = await waitFor((l) => l.msg === 'uncaught exception outside any request; serving on', 3)
  const promises = await waitFor((l) => l.msg === 'unhandled promise rejection outside any request; serving on', 3)
  t.match(timers[0], { err: { message: 'stray timer failed' } })
  t.match(promises[0], { err: { message: 'stray promise failed' } })
  // Each line names the request whose plugin left the callback behind (issue 12 review).
  t.same(timers.map((l) => l.request_id).sort(), [...ids].sort(), 'each timer line names its request')
  t.same(promises.map((l) => l.request_id).sort(), [...ids].sort(), 'each rejection line names its request')
  t.equal(new Set(ids).size, 3)
  t.equal(child.exitCode, null, 'still running')
})
