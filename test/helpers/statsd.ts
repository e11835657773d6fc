// Real StatsD receivers for the statsd and datadog plugin tests, on 127.0.0.1:
// - the `statsd` daemon from npm (node_modules/statsd), started in a child
//   process with `dumpMessages`: `lines` holds every metric line it parsed and
//   `bad` every line it refused, so a test sees what a StatsD server makes of
//   what the gateway sent (UDP, or TCP with `tcp: true`);
// - a plain UDP listener keeping each datagram whole (`packets`), for what the
//   daemon cannot show: how lines were joined into packets.
// Both stop when the test ends.
import { spawn } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

type Teardown = { teardown(fn: () => Promise<void> | void): void }

export interface StatsdDaemon {
  port: number
  /** Every metric line the daemon received, in arrival order. */
  lines: string[]
  /** Lines the daemon could not parse. */
  bad: string[]
}

const freeTcpPort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })

const freeUdpPort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createSocket('udp4')
    s.once('error', reject)
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })

// The daemon's stdout: `<date> - DEBUG: <line>` per metric with dumpMessages, `DEBUG: Bad line: ...` for a refused one.
const DUMPED = / - DEBUG: (.*)$/
const BAD = /^Bad line: /

export async function startStatsd(t: Teardown, opts: { tcp?: boolean } = {}): Promise<StatsdDaemon> {
  // The daemon takes fixed ports (0 means its default there): free ones are picked first.
  const port = opts.tcp ? await freeTcpPort() : await freeUdpPort()
  const mgmt = await freeTcpPort()
  const dir = mkdtempSync(join(tmpdir(), 'statsd-'))
  const config = join(dir, 'config.js')
  const server = opts.tcp ? './servers/tcp' : './servers/udp'
  writeFileSync(
    config,
    JSON.stringify({
      servers: [{ server, address: '127.0.0.1', port }],
      mgmt_address: '127.0.0.1',
      mgmt_port: mgmt,
      dumpMessages: true,
      backends: [],
      flushInterval: 3_600_000,
      automaticConfigReload: false,
    }),
  )
  const child = spawn(process.execPath, ['node_modules/statsd/stats.js', config], { stdio: ['ignore', 'pipe', 'inherit'] })
  const daemon: StatsdDaemon = { port, lines: [], bad: [] }
  const up = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`statsd exited (${code})`)))
    createInterface({ input: child.stdout }).on('line', (l) => {
      if (l.includes('server is up')) resolve()
      const m = DUMPED.exec(l)
      if (!m) return
      if (BAD.test(m[1]!)) daemon.bad.push(m[1]!)
      else daemon.lines.push(m[1]!)
    })
  })
  t.teardown(async () => {
    if (child.exitCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      child.kill()
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  })
  await up
  return daemon
}

export interface UdpListener {
  port: number
  /** Each datagram received, whole. */
  packets: string[]
}

export async function startUdpListener(t: Teardown): Promise<UdpListener> {
  const s = createSocket('udp4')
  const l: UdpListener = { port: 0, packets: [] }
  s.on('message', (m) => l.packets.push(m.toString('utf8')))
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve))
  l.port = s.address().port
  t.teardown(() => new Promise<void>((resolve) => s.close(() => resolve())))
  return l
}

/**
 * Whether `got` holds exactly the lines `want` describes, in any order (Kong's
 * spec checks with `assert.contains` and a count): each pattern matches a whole
 * line, and no line is left over. Returns what did not match, for the message.
 */
export function unmatched(got: readonly string[], want: readonly RegExp[]): { missing: string[]; extra: string[] } {
  const left = [...got]
  const missing: string[] = []
  for (const w of want) {
    const i = left.findIndex((l) => w.test(l))
    if (i < 0) missing.push(String(w))
    else left.splice(i, 1)
  }
  return { missing, extra: left }
}

/** A pattern for one whole line: the text as written, with `%d` for a number (Kong's spec writes `%d+`) and `%u` for a uuid. */
export const line = (text: string): RegExp =>
  new RegExp(
    `^${text
      .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      .replaceAll('%d', '\\d+')
      .replaceAll('%u', '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')}$`,
  )
