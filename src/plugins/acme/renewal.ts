/**
 * acme's renewal (Kong's renew timer and renew_certificate_storage): once a
 * day, each host with a renewal record whose certificate expires within
 * renew_threshold_days is ordered again with its key. The timer lives on the
 * node (unref'd, stopped when the gateway stops) and runs the pass of the
 * latest compiled acme config, as Kong's configure() hands it the config.
 */
import { X509Certificate } from 'node:crypto'
import { nodeSlot, type PluginLog } from '../types.js'
import { RESERVED_WORDS, type AcmeConfig } from './schema.js'
import type { AcmeStorage } from './storage.js'

const DAY_S = 86_400

export class Renewal {
  #pass: (() => Promise<void>) | undefined
  #running: Promise<void> | undefined
  readonly #timer: NodeJS.Timeout

  constructor(intervalMs = DAY_S * 1000) {
    this.#timer = setInterval(() => void this.runNow(), intervalMs)
    this.#timer.unref()
  }

  /** The pass to run from now on (the latest acme instance compiled). */
  use(pass: () => Promise<void>): void {
    this.#pass = pass
  }

  /** Runs a pass now (the timer's tick); one at a time. */
  runNow(): Promise<void> {
    const pass = this.#pass
    if (!pass) return Promise.resolve()
    this.#running ??= pass()
      .catch(() => {})
      .finally(() => (this.#running = undefined))
    return this.#running
  }

  close(): void {
    clearInterval(this.#timer)
    this.#pass = undefined
  }
}

export const RENEWAL = nodeSlot(
  'acme:renewal',
  () => new Renewal(),
  (r) => r.close(),
)

export interface RenewOptions {
  conf: AcmeConfig
  storage: AcmeStorage
  log: PluginLog
  update(host: string, key?: string): Promise<boolean>
}

/** Kong's check_expire: true when the certificate ends within the threshold (or cannot be read). */
function dueForRenewal(certPem: string, thresholdS: number, log: PluginLog): boolean {
  try {
    const notAfter = Date.parse(new X509Certificate(certPem).validTo) / 1000
    return !(notAfter - thresholdS > Date.now() / 1000)
  } catch (err) {
    log.info(`can't parse cert stored in storage: ${String(err)}`)
    return true
  }
}

/** One renewal pass over the storage's renewal records (Kong's renew_certificate_storage). */
export async function renewPass(o: RenewOptions): Promise<void> {
  const { conf, storage: st, log } = o
  let keys: string[]
  try {
    keys = await st.list(RESERVED_WORDS.RENEW_KEY_PREFIX)
  } catch (err) {
    log.error(`can't list renew hosts: ${String(err)}`)
    return
  }
  await st.set(RESERVED_WORDS.RENEW_LAST_RUN_KEY, new Date().toISOString()).catch((err: unknown) => log.warn(`can't set renew_last_run: ${String(err)}`))
  const thresholdS = DAY_S * conf.renew_threshold_days
  for (const key of keys) {
    try {
      const raw = await st.get(key)
      if (raw === undefined) {
        log.error(`renew config key ${key} is empty`)
        continue
      }
      const renew = JSON.parse(raw) as { host?: unknown; expire_at?: unknown }
      const host = String(renew.host)
      if (Number(renew.expire_at) - thresholdS > Date.now() / 1000) {
        log.info(`certificate for host ${host} is not due for renewal`)
        continue
      }
      const held = await st.get(RESERVED_WORDS.CERTKEY_KEY_PREFIX + host)
      if (held === undefined) {
        log.warn(`deleting renewal config for host: ${host}`)
        await st.delete(key)
        continue
      }
      const certkey = JSON.parse(held) as { cert?: unknown; key?: unknown }
      if (typeof certkey.cert === 'string' && !dueForRenewal(certkey.cert, thresholdS, log)) {
        log.info(`certificate for ${host} is not due for renewal`)
        continue
      }
      log.info(`renew certificate for host ${host}`)
      await o.update(host, typeof certkey.key === 'string' ? certkey.key : undefined)
    } catch (err) {
      log.error(`failed to renew certificate: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
}
