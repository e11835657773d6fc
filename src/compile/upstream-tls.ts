/**
 * The TLS settings each https service talks to its upstream with (Kong's
 * kong/runloop/upstream_ssl.lua): tls_verify, tls_verify_depth, the PEMs of its
 * ca_certificates, and the client certificate (the service's, else its
 * upstream's: Kong's Service.client_certificate takes precedence,
 * spec/02-integration/05-proxy/18-upstream_tls_spec.lua:708). Worked out once
 * per config, with the digest the node's pools are keyed by.
 */
import { createHash } from 'node:crypto'
import type { Config, Service } from '../config/model.js'
import type { UpstreamTls } from '../node/pools.js'

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
