// deploy/kubernetes: every overlay renders with `kubectl kustomize`, every object passes its
// Kubernetes schema (kubernetes-models), the pieces a cluster team expects are there, and the
// kong.yml each ConfigMap carries passes `gateway validate`.
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { parseAllDocuments } from 'yaml'
import { ConfigMap, Secret, Service, ServiceAccount } from 'kubernetes-models/v1'
import { Deployment } from 'kubernetes-models/apps/v1'
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1'
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1'
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2'
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1'

const ROOT = join(import.meta.dirname, '..', '..')
const BIN = join(ROOT, 'bin', 'gateway')
const OVERLAYS = ['dev', 'production']
// Debian's kubectl 1.20 carries kustomize v2.0.3; set KUBECTL_EXTRA to an old kubectl to render with it too.
const KUBECTLS = ['kubectl', ...(process.env.KUBECTL_EXTRA ? process.env.KUBECTL_EXTRA.split(':') : [])]

type Obj = { apiVersion: string; kind: string; metadata: { name: string }; [k: string]: unknown }
type Model = new (o: any) => { validate(): void }
const MODELS: Record<string, Model> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
}

function render(kubectl: string, overlay: string): Obj[] {
  const r = spawnSync(kubectl, ['kustomize', join(ROOT, 'deploy', 'kubernetes', 'overlays', overlay)], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`${kubectl} kustomize ${overlay}: ${r.stderr || r.error?.message}`)
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null)
}

const find = (objs: Obj[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name)

for (const kubectl of KUBECTLS)
  for (const overlay of OVERLAYS)
    t.test(`${overlay} rendered by ${kubectl}`, async (t) => {
      const objs = render(kubectl, overlay)
      for (const o of objs) {
        const Model = MODELS[`${o.apiVersion}/${o.kind}`]
        t.ok(Model, `${o.kind} ${o.metadata.name}: a model for ${o.apiVersion}`)
        if (Model) t.doesNotThrow(() => new Model(o).validate(), `${o.kind} ${o.metadata.name} matches its schema`)
      }

      const d = find(objs, 'Deployment', 'gateway') as unknown as Deployment
      const pod = d.spec!.template.spec!
      const c = pod.containers.find((x) => x.name === 'gateway')!
      t.equal(pod.automountServiceAccountToken, false, 'no API token in the pod')
      t.equal((find(objs, 'ServiceAccount', 'gateway') as unknown as ServiceAccount).automountServiceAccountToken, false)
      t.match(c.image, /:\d+\.\d+\.\d+$/, 'the image is tagged by version')
      t.equal(c.readinessProbe?.httpGet?.path, '/readyz', 'readiness is /readyz (503 while draining or not converged)')
      t.equal(c.livenessProbe?.httpGet?.path, '/healthz', 'liveness is /healthz (the process answers)')
      t.equal(c.startupProbe?.httpGet?.path, '/healthz')
      t.ok(
        c.ports?.some((p) => p.name === 'admin' && p.containerPort === 8001),
        'the admin port (/metrics)',
      )
      t.ok(c.resources?.requests?.cpu && c.resources?.limits?.cpu && c.resources?.limits?.memory, 'requests and limits')
      t.equal(c.securityContext?.readOnlyRootFilesystem, true)
      t.same(c.securityContext?.capabilities?.drop, ['ALL'])
      t.equal(pod.securityContext?.runAsNonRoot, true)
      t.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault')
      t.ok(
        pod.topologySpreadConstraints?.some((s) => s.topologyKey === 'kubernetes.io/hostname'),
        'topology spread',
      )
      t.same(c.lifecycle?.preStop?.exec?.command, ['sleep', '5'])
      // preStop + the gateway's drain must end before SIGKILL.
      const args = c.args ?? []
      const drainMs = Number(args[args.indexOf('--drain-timeout') + 1])
      t.ok(5 + drainMs / 1000 < pod.terminationGracePeriodSeconds!, 'preStop + drain fit the grace period')
      t.same(
        args.flatMap((a, i) => (args[i - 1] === '--config' ? [a] : [])),
        ['/etc/gateway/config', '/etc/gateway/credentials'],
        'the ConfigMap and Secret directories, both given to serve',
      )
      for (const m of c.volumeMounts ?? [])
        t.notOk(m.subPath ?? m.subPathExpr, `${m.mountPath}: no subPath (a subPath mount never receives ConfigMap/Secret updates)`)
      t.notOk(pod.volumes?.find((v) => v.name === 'config')?.configMap?.items, 'the whole ConfigMap, not selected items')
      t.ok(find(objs, 'PodDisruptionBudget', 'gateway'), 'a PodDisruptionBudget')
      const np = find(objs, 'NetworkPolicy', 'gateway') as unknown as NetworkPolicy
      t.ok(np, 'a NetworkPolicy')
      t.ok(find(objs, 'Secret', 'gateway-credentials'), 'credentials in a Secret')

      // The ConfigMap's kong.yml is a config the gateway accepts.
      const cm = find(objs, 'ConfigMap', 'gateway-config') as unknown as ConfigMap
      const file = join(t.testdir(), 'kong.yml')
      writeFileSync(file, cm.data!['kong.yml']!)
      const v = spawnSync(process.execPath, [BIN, 'validate', file], { encoding: 'utf8' })
      t.equal(v.status, 0, `gateway validate: ${v.stdout}${v.stderr}`)

      if (overlay === 'production') {
        t.ok(find(objs, 'ServiceMonitor', 'gateway'), 'a ServiceMonitor')
        t.ok(find(objs, 'HorizontalPodAutoscaler', 'gateway'), 'an HPA')
        t.notMatch(c.image, /^kong-yml-gateway:/, 'production pulls from a registry')
      }
      if (overlay === 'dev') {
        // The example route reaches a Service this overlay deploys.
        t.match(cm.data!['kong.yml'], /url: http:\/\/echo\.default\.svc\.cluster\.local:8080/)
        t.ok(find(objs, 'Service', 'echo'), 'the echo Service')
        t.ok(find(objs, 'Deployment', 'echo'), 'the echo Deployment')
        t.equal(d.spec!.replicas, 1)
      }
    })
