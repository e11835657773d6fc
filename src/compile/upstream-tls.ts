/**
 * The TLS settings each https service talks to its upstream with (Kong's
 * kong/runloop/upstream_ssl.lua): tls_verify, tls_verify_depth, the PEMs of its
 * ca_certificates, and the client certificate (the service's, else its
 * upstream's: Kong's Service.client_certificate takes precedence,
 * spec/02-integration/05-proxy/18-upstream_tls_spec.lua:708). Worked out once
 * per config, with the digest the node's pools are keyed by. Also the TLS of
 * each upstream's active https probes (compileProbeTls).
 */
import { createHash } from 'node:crypto'
import { rootCertificates } from 'node:tls'
import type { Config, Service, Upstream } from '../config/model.js'
import type { UpstreamTls } from '../node/pools.js'

/** What an upstream's https probes connect with: an UpstreamTls without a pool key (probes use no pool). */
export type ProbeTls = Omit<UpstreamTls, 'id'>

const PLAIN = new Set(['http', 'grpc', 'tcp', 'udp', 'ws'])

/** The settings of every service that speaks TLS to its upstream (`undefined` for the others). */
export function compileUpstreamTls(config: Config): (service: Service) => UpstreamTls | undefined {
  const caById = new Map(config.ca_certificates.map((c) => [c.id, c.cert]))
  const certById = new Map(config.certificates.map((c) => [c.id, c]))
  const upstreamCert = new Map(config.upstreams.map((u) => [u.name, u.client_certificate]))
  const byService = new Map<Service, UpstreamTls>()
  for (const service of config.services) {
    if (PLAIN.has(service.protocol)) continue
    const ids = service.ca_certificates
    const ca = ids && ids.length > 0 ? ids.map((id) => caById.get(id)).filter((c): c is string => c !== undefined) : undefined
    const client = certById.get(service.client_certificate ?? upstreamCert.get(service.host) ?? '')
    const verify = service.tls_verify ?? false
    const verifyDepth = service.tls_verify_depth
    const digest = createHash('sha256')
    for (const part of [String(verify), String(verifyDepth ?? ''), ...(ca ?? ['system']), client?.cert ?? '', client?.key ?? ''])
      digest.update(`${part.length}:${part}`)
    byService.set(service, { id: digest.digest('hex').slice(0, 32), verify, verifyDepth, ca, cert: client?.cert, key: client?.key })
  }
  return (service) => byService.get(service)
}

/**
 * The TLS of an upstream's active https probes. Whether they verify is the
 * checker's own field (Kong's healthchecks.active.https_verify_certificate,
 * default true); what they verify against and present is what the requests
 * proxied to that upstream use: the CA certificates of the services whose host
 * names it (together: a target is healthy when any of them would accept it;
 * the system store stands for a service that names none), their
 * tls_verify_depth (the most lenient, when all set one), and the upstream's
 * client_certificate (what Kong's checker presents), else the services' own
 * when they agree on one. Kong's checker trusts nginx's global store instead:
 * per-service CAs are this gateway's equivalent.
 */
export function compileProbeTls(config: Config, tlsFor: (service: Service) => UpstreamTls | undefined): (upstream: Upstream) => ProbeTls {
  const certById = new Map(config.certificates.map((c) => [c.id, c]))
  return (upstream) => {
    const used = config.services
      .filter((s) => s.host === upstream.name)
      .map(tlsFor)
      .filter((t): t is UpstreamTls => t !== undefined)
    const own = certById.get(upstream.client_certificate ?? '')
    const clients = new Set(used.map((t) => t.cert))
    const shared = clients.size === 1 ? used[0] : undefined
    const depths = used.map((t) => t.verifyDepth)
    return {
      verify: upstream.healthchecks.active.https_verify_certificate,
      verifyDepth: depths.length > 0 && depths.every((d) => d !== undefined) ? Math.max(...depths) : undefined,
      ca: trustOf(used),
      cert: own ? own.cert : shared?.cert,
      key: own ? own.key : shared?.key,
    }
  }
}

/** The CA PEMs of every setting; undefined (the system store) when none names any. */
function trustOf(used: readonly UpstreamTls[]): readonly string[] | undefined {
  if (!used.some((t) => t.ca)) return undefined
  const pems = new Set<string>(used.some((t) => !t.ca) ? rootCertificates : [])
  for (const t of used) for (const pem of t.ca ?? []) pems.add(pem)
  return [...pems]
}
