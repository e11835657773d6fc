/**
 * Server certificates chosen by SNI from the config's certificates and snis,
 * in the order Kong's certificate lookup tries them
 * (kong/runloop/certificate.lua): the exact name; the name with its first
 * label made `*` (`a.example.com` → `*.example.com`, one level only); the
 * name with its last label made `*` (`example.com` → `example.*`); an sni
 * named `*`. Nothing matching: the `certificate` phase of global plugins
 * (acme) may name one; else undefined, and the listener serves its default
 * certificate, as Kong does (server/default-certificate.ts).
 */
import { createSecureContext, type SecureContext } from 'node:tls'
import type { Config } from '../config/model.js'
import type { PluginInstance } from './chains.js'

export interface CertificateStore {
  contextFor(servername: string | undefined): SecureContext | undefined
  /**
   * The certificate of a TLS handshake: the configured one, else what the
   * global plugins' certificate phase serves (a promise only when one of them
   * must look further than its memory), else undefined (the default).
   */
  answer(servername: string | undefined): SecureContext | undefined | Promise<SecureContext | undefined>
}

/** The global instances with a certificate phase, in priority order. */
type CertificatePlugins = readonly Pick<PluginInstance, 'phases' | 'log'>[]

/** Asks each plugin in turn; a failing one is logged and skipped (the handshake must not fail for it). */
function fromPlugins(plugins: CertificatePlugins, name: string, from = 0): SecureContext | undefined | Promise<SecureContext | undefined> {
  for (let i = from; i < plugins.length; i++) {
    const p = plugins[i]!
    let got
    try {
      got = p.phases.certificate!(name)
    } catch (err) {
      p.log.error('certificate phase failed', { err: String(err) })
      continue
    }
    if (got instanceof Promise)
      return got.then(
        (ctx) => ctx ?? fromPlugins(plugins, name, i + 1),
        (err: unknown) => {
          p.log.error('certificate phase failed', { err: String(err) })
          return fromPlugins(plugins, name, i + 1)
        },
      )
    if (got) return got
  }
  return undefined
}

/** The names Kong looks up for a server name, in its order. */
function candidates(name: string): string[] {
  const out = [name]
  // `*.` + all but the first label, when at least three labels remain (Kong's `([^.]+)(\.[^.]+\.\S+)`).
  const dot = name.indexOf('.')
  const second = dot > 0 ? name.indexOf('.', dot + 1) : -1
  if (second > dot + 1 && second < name.length - 1) out.push(`*${name.slice(dot)}`)
  // The last label as `*`, when there are at least two (Kong's `([^.]+\.)([^.]+)$`).
  const last = name.lastIndexOf('.')
  if (last > 0 && last < name.length - 1) out.push(`${name.slice(0, last + 1)}*`)
  out.push('*')
  return out
}

export function compileCertificates(config: Config, plugins: CertificatePlugins = []): CertificateStore {
  const contexts = new Map<string, SecureContext>()
  for (const c of config.certificates) {
    // An alternate certificate (e.g. ECDSA beside RSA) is offered in the same context.
    const certs = c.cert_alt && c.key_alt ? [c.cert, c.cert_alt] : [c.cert]
    const keys = c.cert_alt && c.key_alt ? [c.key, c.key_alt] : [c.key]
    contexts.set(c.id, createSecureContext({ cert: certs, key: keys }))
  }
  const byName = new Map<string, SecureContext>()
  for (const sni of config.snis) {
    const ctx = contexts.get(sni.certificate)
    if (ctx) byName.set(sni.name.toLowerCase(), ctx)
  }
  // Handshakes repeat the same few names: each one's answer is remembered.
  const found = new Map<string, SecureContext | undefined>()
  const store: CertificateStore = {
    answer(servername) {
      const hit = store.contextFor(servername)
      if (hit || !servername || plugins.length === 0) return hit
      return fromPlugins(plugins, servername.toLowerCase())
    },
    contextFor(servername) {
      if (!servername || byName.size === 0) return undefined
      const name = servername.toLowerCase()
      if (found.has(name)) return found.get(name)
      let hit: SecureContext | undefined
      for (const c of candidates(name)) if ((hit = byName.get(c))) break
      if (found.size < 10_000) found.set(name, hit)
      return hit
    },
  }
  return store
}
