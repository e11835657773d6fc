/**
 * Server certificates chosen by SNI from the config's certificates and snis:
 * exact names first, then the longest matching wildcard; otherwise the first
 * certificate of the file is the default.
 */
import { createSecureContext, type SecureContext } from 'node:tls'
import type { Config } from '../config/model.js'

export interface CertificateStore {
  contextFor(servername: string | undefined): SecureContext | undefined
}

export function compileCertificates(config: Config): CertificateStore {
  const contexts = new Map<string, SecureContext>()
  for (const c of config.certificates) {
    // An alternate certificate (e.g. ECDSA beside RSA) is offered in the same context.
    const certs = c.cert_alt && c.key_alt ? [c.cert, c.cert_alt] : [c.cert]
    const keys = c.cert_alt && c.key_alt ? [c.key, c.key_alt] : [c.key]
    contexts.set(c.id, createSecureContext({ cert: certs, key: keys }))
  }
  const exact = new Map<string, SecureContext>()
  const wildcards: { suffix?: string; prefix?: string; ctx: SecureContext }[] = []
  for (const sni of config.snis) {
    const ctx = contexts.get(sni.certificate)
    if (!ctx) continue
    const name = sni.name.toLowerCase()
    if (name.startsWith('*.')) wildcards.push({ suffix: name.slice(1), ctx })
    else if (name.endsWith('.*')) wildcards.push({ prefix: name.slice(0, -1), ctx })
    else exact.set(name, ctx)
  }
  wildcards.sort((a, b) => (b.suffix ?? b.prefix ?? '').length - (a.suffix ?? a.prefix ?? '').length)
  const fallback = config.certificates[0] ? contexts.get(config.certificates[0].id) : undefined
  return {
    contextFor(servername) {
      if (servername) {
        const name = servername.toLowerCase()
        const hit = exact.get(name) ?? wildcards.find((w) => (w.suffix ? name.endsWith(w.suffix) : name.startsWith(w.prefix!)))?.ctx
        if (hit) return hit
      }
      return fallback
    },
  }
}
