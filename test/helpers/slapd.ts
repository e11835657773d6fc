// A private OpenLDAP server (Debian's slapd) for the ldap-auth tests: a temp
// directory with a slapd.conf written on the fly, an mdb database seeded with
// slapadd, a self-signed certificate made with the openssl CLI, plain LDAP and
// LDAPS on free loopback ports. Stopped (and restartable on the same ports,
// same data) by the test; the process and the directory go in teardown.
// Missing slapd is a failure, not a skip: apt-get install -y slapd ldap-utils.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Kong's spec directory (spec/03-plugins/20-ldap-auth): its base_dn and attribute. */
export const BASE_DN = 'ou=scientists,dc=ldap,dc=mashape,dc=com'
export const ATTRIBUTE = 'uid'
const SUFFIX = 'dc=ldap,dc=mashape,dc=com'

/** Users of the seeded directory and their passwords (Kong's spec binds einstein/password). */
export const USERS: Record<string, string> = {
  einstein: 'password',
  newton: 'password',
  // A password with a colon: only the first colon of `user:password` separates.
  curie: 'radium:polonium',
  // A non-ASCII username and password, sent as UTF-8.
  gödel: 'unvollständig',
}

export interface TestSlapd {
  port: number
  tlsPort: number
  /** The self-signed certificate's PEM (CN=localhost, SAN DNS:localhost and IP:127.0.0.1). */
  certPem: string
  certFile: string
  stop(): Promise<void>
  /** Starts it again on the same ports, with the same data. */
  start(): Promise<void>
}

// A test that times out may end its process before teardown runs: no slapd outlives the test file.
const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const proc of running) proc.kill('SIGKILL')
})

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

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1')
    const done = (ok: boolean) => {
      sock.destroy()
      resolve(ok)
    }
    sock.once('connect', () => done(true))
    sock.once('error', () => done(false))
  })
}

function seed(): string {
  const entries = [
    `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: mashape\ndc: ldap`,
    `dn: ${BASE_DN}\nobjectClass: organizationalUnit\nou: scientists`,
    ...Object.entries(USERS).map(([uid, password]) => {
      // Non-ASCII values go base64 in LDIF (`::`).
      const b64 = (v: string) => Buffer.from(v, 'utf8').toString('base64')
      return [
        `dn:: ${b64(`uid=${uid},${BASE_DN}`)}`,
        'objectClass: inetOrgPerson',
        `uid:: ${b64(uid)}`,
        `cn:: ${b64(uid)}`,
        `sn:: ${b64(uid)}`,
        `userPassword:: ${b64(password)}`,
      ].join('\n')
    }),
  ]
  return entries.join('\n\n') + '\n'
}

export async function startSlapd(t: { teardown(fn: () => Promise<void>): void }): Promise<TestSlapd> {
  const dir = await mkdtemp(join(tmpdir(), 'slapd-'))
  let child: ChildProcess | undefined
  const stop = async () => {
    const proc = child
    child = undefined
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve())
      proc.kill('SIGTERM')
    })
  }
  t.teardown(async () => {
    await stop()
    await rm(dir, { recursive: true, force: true })
  })

  const certFile = join(dir, 'cert.pem')
  const keyFile = join(dir, 'key.pem')
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ])
  await run('mkdir', [join(dir, 'db')])
  const conf = join(dir, 'slapd.conf')
  await writeFile(
    conf,
    [
      'include /etc/ldap/schema/core.schema',
      'include /etc/ldap/schema/cosine.schema',
      'include /etc/ldap/schema/inetorgperson.schema',
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      `pidfile ${join(dir, 'slapd.pid')}`,
      `TLSCertificateFile ${certFile}`,
      `TLSCertificateKeyFile ${keyFile}`,
      'database mdb',
      'maxsize 10485760',
      `suffix "${SUFFIX}"`,
      `rootdn "cn=admin,${SUFFIX}"`,
      `directory ${join(dir, 'db')}`,
      '',
    ].join('\n'),
  )
  const ldif = join(dir, 'seed.ldif')
  await writeFile(ldif, seed())
  try {
    await run('slapadd', ['-q', '-f', conf, '-l', ldif])
  } catch (err) {
    throw new Error(`slapadd failed (is slapd installed? apt-get install -y slapd ldap-utils): ${(err as Error).message}`, { cause: err })
  }

  const port = await freePort()
  const tlsPort = await freePort()
  const start = async () => {
    let log = ''
    const proc = spawn('/usr/sbin/slapd', ['-f', conf, '-h', `ldap://127.0.0.1:${port}/ ldaps://127.0.0.1:${tlsPort}/`, '-d', '0'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    proc.stderr!.on('data', (d: Buffer) => (log += d.toString()))
    child = proc
    running.add(proc)
    let exited = false
    proc.once('exit', () => {
      exited = true
      running.delete(proc)
    })
    const deadline = Date.now() + 10_000
    while (!((await accepts(port)) && (await accepts(tlsPort)))) {
      if (exited) throw new Error(`slapd exited before listening on ${port}/${tlsPort}: ${log}`)
      if (Date.now() > deadline) throw new Error(`slapd did not listen on ${port}/${tlsPort}: ${log}`)
      await new Promise((r) => setTimeout(r, 25))
    }
  }
  await start()
  return { port, tlsPort, certPem: await readFile(certFile, 'utf8'), certFile, stop, start }
}
