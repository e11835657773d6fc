/**
 * The node's idle LDAP connections, kept across reloads (Kong's cosocket
 * keepalive pool): one list per server and security, at most POOL_SIZE idle
 * connections in each, each closed after `keepalive` ms unused. A bind takes a
 * connection (an idle one or a new one) and gives it back when the server
 * answered; a connection that failed is closed, never pooled.
 */
import type { Client } from 'ldapts'
import { nodeSlot } from '../types.js'
import { openClient, type Target } from './connect.js'

/** nginx's lua_socket_pool_size default, the size of each of Kong's pools. */
export const POOL_SIZE = 30

interface Idle {
  client: Client
  timer: NodeJS.Timeout | undefined
}

export interface Lease {
  client: Client
  /** True when the connection came from the pool (it may have been closed by the server since). */
  reused: boolean
}

/** Closes a connection politely (an unbind), ignoring a server that already went. */
export function discard(client: Client): void {
  client.unbind().catch(() => {})
}

export class LdapPool {
  private readonly idle = new Map<string, Idle[]>()

  /** The pool a target's connections go to: TLS and plain ones never mix, nor verified and unverified ones. */
  static key(t: Target): string {
    return `${t.host.toLowerCase()}:${t.port}:${t.security}:${t.verify ? 'verify' : 'noverify'}`
  }

  /** An idle connection to the target (unless `fresh`), or a new one (throws as openClient does). */
  async take(key: string, t: Target, fresh = false): Promise<Lease> {
    const list = fresh ? undefined : this.idle.get(key)
    while (list && list.length > 0) {
      const { client, timer } = list.pop()!
      clearTimeout(timer)
      if (client.isConnected) return { client, reused: true }
      discard(client)
    }
    return { client: await openClient(t), reused: false }
  }

  /** Back to the pool after a clean answer; closed when the pool is full or the client is gone. */
  give(key: string, client: Client, keepalive: number): void {
    if (!client.isConnected) return discard(client)
    let list = this.idle.get(key)
    if (!list) this.idle.set(key, (list = []))
    if (list.length >= POOL_SIZE) return discard(client)
    const entry: Idle = { client, timer: undefined }
    // Kong's setkeepalive: 0 is no idle limit.
    if (keepalive > 0) {
      entry.timer = setTimeout(
        () => {
          const at = list.indexOf(entry)
          if (at !== -1) list.splice(at, 1)
          discard(client)
        },
        Math.min(keepalive, 2_147_483_647),
      )
      entry.timer.unref()
    }
    list.push(entry)
  }

  /** How many idle connections the pool of `key` holds (for tests and metrics). */
  size(key: string): number {
    return this.idle.get(key)?.length ?? 0
  }

  close(): void {
    for (const list of this.idle.values()) {
      for (const { client, timer } of list) {
        clearTimeout(timer)
        discard(client)
      }
    }
    this.idle.clear()
  }
}

export const POOL = nodeSlot(
  'ldap-auth:pool',
  () => new LdapPool(),
  (pool) => pool.close(),
)
