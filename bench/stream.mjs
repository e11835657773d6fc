#!/usr/bin/env node
// Benchmark (not a test): TCP stream throughput through the gateway's stream
// listener (a `tcp` route, issue 15 item 5) against the same sink server
// reached directly, in the same run. A sink (its own process) reads and
// discards; this process writes 64 KiB chunks as fast as each connection
// accepts them for --duration, first directly, then through the gateway,
// --rounds times, and prints MB/s (bytes the sink received, per second) and
// the ratio gateway / direct.
//
//   npm run build && node bench/stream.mjs [--duration 5] [--rounds 3] [--connections 1]
//
// The gateway runs as `bin/gateway serve --stream-listen 127.0.0.1:0` in its
// own process. Exits 0 unless something cannot run (then 1; usage errors 2).
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { GATEWAY, NODE } from './lib.mjs'

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '1' },
  },
})
const seconds = Number(values.duration)
const rounds = Number(values.rounds)
const conns = Number(values.connections)
if (!(seconds > 0 && rounds >= 1 && conns >= 1)) {
  console.error('stream: --duration S, --rounds N and --connections N must be positive')
  process.exit(2)
}

// The sink: one JSON line per closed connection with the bytes it read.
const SINK = `
const net = require('node:net')
const s = net.createServer((c) => { let n = 0; c.on('data', (d) => (n += d.length)); c.on('error', () => {}); c.on('close', () => console.log(JSON.stringify({ bytes: n }))) })
s.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ msg: 'listening', port: s.address().port })))
`

function child(args, ready) {
  const p = spawn(NODE, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  const lines = createInterface({ input: p.stdout })
  const listeners = new Set()
  lines.on('line', (l) => {
    let msg
    try {
      msg = JSON.parse(l)
    } catch {
      return
    }
    for (const f of listeners) f(msg)
  })
  const started = new Promise((resolve, reject) => {
    const f = (msg) => {
      const v = ready(msg)
      if (v !== undefined) {
        listeners.delete(f)
        resolve(v)
      }
    }
    listeners.add(f)
    p.once('exit', (code) => reject(new Error(`${args[0]} exited ${code}`)))
  })
  return { p, started, on: (f) => listeners.add(f), off: (f) => listeners.delete(f) }
}

const sink = child(['-e', SINK], (m) => (m.msg === 'listening' ? m.port : undefined))
const sinkPort = await sink.started
const dir = mkdtempSync(join(tmpdir(), 'bench-stream-'))
const config = join(dir, 'kong.yml')
writeFileSync(
  config,
  `_format_version: "3.0"\nservices:\n- name: sink\n  url: tcp://127.0.0.1:${sinkPort}\n  routes: [{name: sink, protocols: [tcp], sources: [{ip: 127.0.0.1}]}]\n`,
)
const gw = child([GATEWAY, 'serve', '--config', config, '--listen', 'off', '--admin-listen', 'off', '--stream-listen', '127.0.0.1:0'], (m) =>
  m.msg === 'gateway started' ? m.stream?.[0] : undefined,
)
const streamAddr = await gw.started
const [gwHost, gwPort] = [streamAddr.slice(0, streamAddr.lastIndexOf(':')), Number(streamAddr.slice(streamAddr.lastIndexOf(':') + 1))]

/** Writes for `seconds` on `conns` connections to host:port; resolves with what the sink counted. */
async function run(host, port) {
  const chunk = Buffer.alloc(64 * 1024, 97)
  let pending = conns
  let total = 0
  const counted = new Promise((resolve) => {
    const f = (m) => {
      if (typeof m.bytes !== 'number') return
      total += m.bytes
      if (--pending === 0) {
        sink.off(f)
        resolve(total)
      }
    }
    sink.on(f)
  })
  const start = performance.now()
  const deadline = start + seconds * 1000
  await Promise.all(
    Array.from(
      { length: conns },
      () =>
        new Promise((resolve, reject) => {
          const s = connect({ host, port }, () => {
            const pump = () => {
              while (performance.now() < deadline) if (!s.write(chunk)) return void s.once('drain', pump)
              s.end()
            }
            pump()
          })
          s.on('error', reject)
          s.on('close', resolve)
        }),
    ),
  )
  const elapsed = (performance.now() - start) / 1000
  const bytes = await counted
  return bytes / elapsed / 1e6
}

const direct = []
const through = []
for (let i = 0; i < rounds; i++) {
  direct.push(await run('127.0.0.1', sinkPort))
  through.push(await run(gwHost, gwPort))
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const d = median(direct)
const g = median(through)
console.log(`TCP stream throughput, ${conns} connection(s), ${seconds} s x ${rounds} rounds (median), Node ${process.version}`)
console.log(`  direct to the sink:  ${d.toFixed(0)} MB/s   (rounds: ${direct.map((x) => x.toFixed(0)).join(', ')})`)
console.log(`  through the gateway: ${g.toFixed(0)} MB/s   (rounds: ${through.map((x) => x.toFixed(0)).join(', ')})`)
console.log(`  ratio gateway / direct: ${(g / d).toFixed(2)}`)
gw.p.kill('SIGTERM')
sink.p.kill('SIGTERM')
