// examples/kubernetes: the ConfigMap's kong.yml loads, and the Deployment mounts it so that it can be hot-reloaded.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { loadConfig } from '../../src/config/load.js'

const DIR = 'examples/kubernetes'
const read = (name: string): any => parse(readFileSync(`${DIR}/${name}`, 'utf8'))

const configMap = read('configmap.yaml')
const deployment = read('deployment.yaml')
const service = read('service.yaml')

const container = (): any => {
  const cs = deployment.spec.template.spec.containers
  t.equal(cs.length, 1, 'one container')
  return cs[0]
}

t.test('the ConfigMap holds a valid kong.yml under the key kong.yml', async (t) => {
  t.equal(configMap.apiVersion, 'v1')
  t.equal(configMap.kind, 'ConfigMap')
  t.equal(configMap.metadata.name, 'gateway-config')
  const text = configMap.data?.['kong.yml']
  t.type(text, 'string')
  const file = `${DIR}/configmap.yaml#kong.yml`
  const r = loadConfig(text, { file, env: {} })
  t.ok(r.ok, 'loads', r.ok ? {} : { issues: r.issues })
  if (!r.ok) return
  t.same(r.warnings, [])
  t.same(
    r.config.services.map((s) => [s.name, s.host, s.port]),
    [['httpbin', 'httpbin.default.svc.cluster.local', 80]],
  )
  t.ok(r.config.routes.length >= 2, 'a proxied route and a request-termination route')
  t.ok(r.config.plugins.some((p) => p.name === 'request-termination'))
})

t.test('the Deployment mounts the ConfigMap as a directory, without subPath', async (t) => {
  t.equal(deployment.apiVersion, 'apps/v1')
  t.equal(deployment.kind, 'Deployment')
  t.equal(deployment.spec.replicas, 2)
  const spec = deployment.spec.template.spec
  const volumes = spec.volumes.filter((v: any) => v.configMap?.name === configMap.metadata.name)
  t.equal(volumes.length, 1, 'one volume from the ConfigMap')
  t.notOk(volumes[0].configMap.items, 'the whole ConfigMap, not selected items')
  const c = container()
  const mounts = c.volumeMounts.filter((m: any) => m.name === volumes[0].name)
  t.equal(mounts.length, 1)
  t.equal(mounts[0].mountPath, '/etc/gateway')
  t.notOk('subPath' in mounts[0], 'no subPath: a subPath mount never receives ConfigMap updates')
  t.notOk('subPathExpr' in mounts[0])
  // --config names the ConfigMap's key inside the mounted directory.
  const args: string[] = c.args
  t.equal(args[0], 'serve')
  t.equal(args[args.indexOf('--config') + 1], '/etc/gateway/kong.yml')
  t.equal(args[args.indexOf('--admin-listen') + 1], '0.0.0.0:8001')
})

t.test('the probes hit /healthz and /readyz on the admin port', async (t) => {
  const c = container()
  const port = (p: number | string) => (typeof p === 'number' ? p : c.ports.find((x: any) => x.name === p)?.containerPort)
  t.equal(c.livenessProbe.httpGet.path, '/healthz')
  t.equal(port(c.livenessProbe.httpGet.port), 8001)
  t.equal(c.readinessProbe.httpGet.path, '/readyz')
  t.equal(port(c.readinessProbe.httpGet.port), 8001)
  const spec = deployment.spec.template.spec
  t.equal(spec.terminationGracePeriodSeconds, 30)
  t.equal(spec.securityContext.runAsNonRoot, true)
  t.equal(c.securityContext.readOnlyRootFilesystem, true)
  t.ok(c.resources?.requests && c.resources?.limits)
})

t.test('the Service exposes the proxy port and not the admin port', async (t) => {
  t.equal(service.kind, 'Service')
  t.same(service.spec.selector, deployment.spec.template.metadata.labels)
  const c = container()
  const target = (p: number | string) => (typeof p === 'number' ? p : c.ports.find((x: any) => x.name === p)?.containerPort)
  t.same(
    service.spec.ports.map((p: any) => target(p.targetPort ?? p.port)),
    [8000],
  )
})
