// The dev overlay's pod, run without a cluster: the ConfigMap and Secret that
// `kubectl kustomize` renders are laid out as the kubelet mounts them (keys
// linked through a `..data` directory link), and `gateway serve` runs with the
// Deployment's own args, only the mount paths and listen addresses moved to a
// temporary directory and loopback. What a newcomer does after `kubectl apply`
// (README, "Deploy and try it") must then answer as the README says.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { request } from 'undici'
import { parseAllDocuments } from 'yaml'
import { serveProcess } from '../helpers/serve-process.js'

const ROOT = join(import.meta.dirname, '..', '..')

type Obj = { kind: string; metadata: { name: string }; data?: Record<string, string>; stringData?: Record<string, string>; spec?: any }

/** A volume as the kubelet writes it: a timestamped directory, `..data` linking to it, each key linking through `..data`. */
function mountVolume(dir: string, files: Record<string, string>): void {
  const ts = '..2026_12_07_00_00_00.000000001'
  mkdirSync(join(dir, ts), { recursive: true })
  for (const [k, v] of Object.entries(files)) writeFileSync(join(dir, ts, k), v)
  symlinkSync(ts, join(dir, '..data'))
  for (const k of Object.keys(files)) symlinkSync(`..data/${k}`, join(dir, k))
}

t.test('the dev pod serves what the README promises', async (t) => {
  const r = spawnSync('kubectl', ['kustomize', join(ROOT, 'deploy', 'kubernetes', 'overlays', 'dev')], { encoding: 'utf8' })
  t.equal(r.status, 0, r.stderr)
  const objs = parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj)
  const find = (kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name)!
  const cm = find('ConfigMap', 'gateway-config')
  const secret = find('Secret', 'gateway-credentials')
  const secretFiles = {
    ...Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])),
    ...secret.stringData,
  }
  const container = find('Deployment', 'gateway').spec.template.spec.containers.find((c: { name: string }) => c.name === 'gateway')
  const volumes: { name: string; configMap?: { name: string }; secret?: { secretName: string } }[] = find('Deployment', 'gateway').spec.template.spec.volumes
  const mounts: { name: string; mountPath: string }[] = container.volumeMounts

  const root = mkdtempSync(join(tmpdir(), 'gw-k8s-pod-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  const moved = new Map<string, string>()
  for (const m of mounts) {
    const v = volumes.find((x) => x.name === m.name)!
    const files = v.configMap ? cm.data! : v.secret ? secretFiles : undefined
    if (!files) continue // emptyDir and the like
    const dir = join(root, m.name)
    mountVolume(dir, files)
    moved.set(m.mountPath, dir)
  }
  // The Deployment's args, with mount paths and listen addresses moved.
  const args: string[] = (container.args as string[]).map((a, i, all) =>
    all[i - 1] === '--config' ? moved.get(a)! : all[i - 1] === '--listen' || all[i - 1] === '--admin-listen' ? '127.0.0.1:0' : a,
  )
  t.same(args.slice(0, 1), ['serve'])
  const p = serveProcess(t, args.slice(1))
  const started = (await p.waitFor((l) => l.msg === 'gateway started')) as unknown as { proxy: string[]; admin: string }
  const get = async (base: string, path: string, headers: Record<string, string> = {}) => {
    const res = await request(`http://${base}${path}`, { headers })
    return { status: res.statusCode, body: await res.body.text() }
  }

  // The probes the Deployment declares, on the admin port.
  for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
    const path = container[probe].httpGet.path as string
    t.equal((await get(started.admin, path)).status, 200, `${probe} ${path}`)
  }
  // `curl -i localhost:8000/`: the gateway answers itself.
  const hello = await get(started.proxy[0]!, '/')
  t.equal(hello.status, 200)
  t.match(hello.body, 'Hello from the gateway')
  // `/echo/hostname` without the key: key-auth's 401.
  const denied = await get(started.proxy[0]!, '/echo/hostname')
  t.equal(denied.status, 401)
  t.match(JSON.parse(denied.body), { message: 'No API key found in request' })
  // With the Secret's example key the request passes key-auth and goes to the echo Service,
  // which only a cluster's DNS resolves: here the gateway's DNS failure (Kong's 503).
  const key = /key: (\S+)/.exec(Object.values(secretFiles).join('\n'))![1]!
  const through = await get(started.proxy[0]!, '/echo/hostname', { apikey: key })
  t.not(through.status, 401, 'the Secret’s key opens the route the ConfigMap declares')
  t.equal(through.status, 503)
  t.match(JSON.parse(through.body), { message: /name resolution failed/ })
  // /status reports the merged config, no secret in it.
  const status = await get(started.admin, '/status')
  t.equal(status.status, 200)
  t.notMatch(status.body, key)
})
