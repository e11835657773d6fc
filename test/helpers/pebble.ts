// A real ACME server for the acme plugin's tests: Debian's pebble (RFC 8555),
// on free loopback ports, with its own TLS certificate made here by openssl
// (trust it in the ACME client only, through GATEWAY_LUA_SSL_TRUSTED_CERTIFICATE),
// validating HTTP-01 challenges on `httpPort` (the gateway's plain listener)
// and resolving every name to 127.0.0.1 through a tiny DNS responder
// (node:dgram) given to it with -dnsserver. Stopped, with its files, when the
// test ends. A missing pebble is a failure, not a skip.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createSocket, type Socket } from 'node:dgram'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, request } from 'undici'

export interface TestPebble {
  /** The ACME directory URL. */
  directory: string
  /** The PEM file of the certificate pebble serves its API with (what the ACME client must trust). */
  caFile: string
  /** Pebble's current intermediate (PEM), which signs the certificates it issues. */
  intermediate(): Promise<string>
  /** The management API's view of a certificate by serial: its PEM and status. */
  certStatus(serialHex: string): Promise<{ Status: string; Certificate: string } | undefined>
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

/** Answers every A question with 127.0.0.1 and anything else with no answer (NOERROR), so names resolve to loopback. */
function dnsAnswer(query: Buffer): Buffer | undefined {
  if (query.length < 12) return undefined
  // The question: labels up to the zero byte, then QTYPE and QCLASS.
  let i = 12
  while (i < query.length && query[i] !== 0) i += query[i]! + 1
  if (i + 5 > query.length) return undefined
  const qtype = query.readUInt16BE(i + 1)
  const question = query.subarray(12, i + 5)
  const header = Buffer.alloc(12)
  query.copy(header, 0, 0, 2) // id
  header.writeUInt16BE(0x8180 | (query.readUInt16BE(2) & 0x0100), 2) // response, recursion available, RD copied
  header.writeUInt16BE(1, 4)
  const a = qtype === 1
  header.writeUInt16BE(a ? 1 : 0, 6)
  if (!a) return Buffer.concat([header, question])
  // A pointer to the name at offset 12, type A, class IN, TTL 60, 4 bytes: 127.0.0.1.
  const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1])
  return Buffer.concat([header, question, answer])
}

async function startDns(): Promise<{ port: number; socket: Socket }> {
  const socket = createSocket('udp4')
  socket.on('message', (msg, rinfo) => {
    const reply = dnsAnswer(msg)
    if (reply) socket.send(reply, rinfo.port, rinfo.address)
  })
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  return { port: socket.address().port, socket }
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' })
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.error?.message ?? r.stderr}`)
}

/**
 * Starts pebble. `httpPort`: where it sends HTTP-01 validation requests (the
 * gateway's HTTP listener); `port`: its API port, chosen before the gateway's
 * config is written (freePort()).
 */
export async function startPebble(t: { teardown(fn: () => Promise<void> | void): void }, opts: { httpPort: number; port: number }): Promise<TestPebble> {
  const found = spawnSync('pebble', ['-h'], { encoding: 'utf8' })
  if (found.error) throw new Error('pebble is not installed: the acme tests need it (apt-get install -y pebble)')
  const dir = mkdtempSync(join(tmpdir(), 'pebble-test-'))
  // What teardown stops, set as it starts (teardown runs even when starting fails half way).
  const running: { child?: ChildProcess; dns?: Socket } = {}
  t.teardown(async () => {
    const { child, dns } = running
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
    dns?.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const caFile = join(dir, 'cert.pem')
  const keyFile = join(dir, 'key.pem')
  run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    caFile,
    '-days',
    '2',
    '-subj',
    '/CN=pebble test',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ])
  const d = await startDns()
  running.dns = d.socket
  const mgmtPort = await freePort()
  const config = {
    pebble: {
      listenAddress: `127.0.0.1:${opts.port}`,
      managementListenAddress: `127.0.0.1:${mgmtPort}`,
      certificate: caFile,
      privateKey: keyFile,
      httpPort: opts.httpPort,
      tlsPort: await freePort(),
      ocspResponderURL: '',
      externalAccountBindingRequired: false,
    },
  }
  const configFile = join(dir, 'pebble.json')
  writeFileSync(configFile, JSON.stringify(config))
  let output = ''
  const child = spawn('pebble', ['-config', configFile, '-dnsserver', `127.0.0.1:${d.port}`], {
    env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.child = child
  child.stdout.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-4000)))
  child.stderr.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-4000)))
  const dispatcher = new Agent({ connect: { ca: readFileSync(caFile, 'utf8') } })
  t.teardown(() => dispatcher.close())
  const get = async (url: string) => {
    const r = await request(url, { dispatcher })
    return { status: r.statusCode, body: await r.body.text() }
  }
  const directory = `https://127.0.0.1:${opts.port}/dir`
  const deadline = Date.now() + 20_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pebble exited: ${output}`)
    const ok = await get(directory).then(
      (r) => r.status === 200,
      () => false,
    )
    if (ok) break
    if (Date.now() > deadline) throw new Error(`pebble did not answer on ${directory}: ${output}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    directory,
    caFile,
    intermediate: async () => (await get(`https://127.0.0.1:${mgmtPort}/intermediates/0`)).body,
    certStatus: async (serial) => {
      const r = await get(`https://127.0.0.1:${mgmtPort}/cert-status-by-serial/${serial}`)
      return r.status === 200 ? (JSON.parse(r.body) as { Status: string; Certificate: string }) : undefined
    },
  }
}
