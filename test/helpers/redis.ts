// A real redis-server for the redis policy tests: a free port, no persistence,
// ready once it answers PING; stopped (and restartable) by the test. Missing
// redis-server is a failure, not a skip: install it (apt-get install redis-server).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createServer, connect } from 'node:net'

export interface TestRedis {
  port: number
  /** Stops the server (the port stays reserved for `start`). */
  stop(): Promise<void>
  /** Starts it again on the same port, empty. */
  start(): Promise<void>
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1')
    let data = ''
    const done = (ok: boolean) => {
      sock.destroy()
      resolve(ok)
    }
    sock.setTimeout(500, () => done(false))
    sock.once('error', () => done(false))
    sock.once('connect', () => sock.write('PING\r\n'))
    sock.on('data', (d) => {
      data += d.toString()
      if (data.includes('\r\n')) done(data.startsWith('+PONG') || data.startsWith('-NOAUTH'))
    })
  })
}

export async function startRedis(t: { teardown(fn: () => Promise<void>): void }, extraArgs: readonly string[] = []): Promise<TestRedis> {
  const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' })
  if (found.error || found.status !== 0) {
    throw new Error('redis-server is not installed: the redis policy tests need it (apt-get install -y redis-server)')
  }
  const port = await freePort()
  let child: ChildProcess | undefined

  const start = async () => {
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs], { stdio: 'ignore' })
    child = proc
    let exited = false
    proc.once('exit', () => (exited = true))
    const deadline = Date.now() + 10_000
    while (!(await ping(port))) {
      if (exited) throw new Error(`redis-server exited before answering on port ${port}`)
      if (Date.now() > deadline) throw new Error(`redis-server did not answer PING on port ${port}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  const stop = async () => {
    const proc = child
    child = undefined
    if (!proc || proc.exitCode !== null) return
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve())
      proc.kill('SIGTERM')
    })
  }

  await start()
  t.teardown(stop)
  return { port, stop, start }
}
