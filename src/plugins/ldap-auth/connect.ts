/**
 * One connection to an LDAP server, set up as Kong's ldap-auth sets it up:
 * TCP (within `timeout`), then TLS for `ldaps` or after a StartTLS extended
 * operation for `start_tls`. Where it fails decides the answer, as in Kong:
 * the server out of reach or refusing StartTLS is a server error (500); a TLS
 * handshake that fails (an unverifiable certificate, a wrong name, a timeout)
 * is an authentication failure (401).
 */
import { isIP, connect as tcpConnect, type Socket } from 'node:net'
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls'
import { Client } from 'ldapts'

export type Security = 'plain' | 'ldaps' | 'starttls'

export interface Target {
  host: string
  port: number
  security: Security
  /** verify_ldap_host: check the certificate chain and the server name. */
  verify: boolean
  /** Milliseconds for each step: connect, handshake, each answer (Kong's sock:settimeout). */
  timeout: number
}

/** The server could not be reached or would not start TLS: Kong's nil (500). */
export class LdapUnavailable extends Error {}
/** The TLS handshake failed: Kong's false (401). */
export class LdapHandshakeFailed extends Error {}

// nginx's lua_socket_connect/read/send_timeout default: the bound when `timeout` is not a positive
// number, so that a server that never answers cannot hold a request (and its connection) forever.
const DEFAULT_TIMEOUT = 60_000
const delay = (ms: number): number => (ms > 0 ? Math.min(ms, 2_147_483_647) : DEFAULT_TIMEOUT)

/** Calls `fail` when the step takes longer than `ms`; returns the disarm. */
function deadline(ms: number, fail: () => void): () => void {
  const timer = setTimeout(fail, delay(ms))
  timer.unref()
  return () => clearTimeout(timer)
}

function openTcp(t: Target): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = tcpConnect({ host: t.host, port: t.port })
    const disarm = deadline(t.timeout, () => sock.destroy(new Error('timeout')))
    sock.once('connect', () => {
      disarm()
      sock.removeAllListeners('error')
      resolve(sock)
    })
    sock.once('error', (err) => {
      disarm()
      sock.destroy()
      reject(new LdapUnavailable(`failed to connect to ${t.host}:${t.port}: ${err.message}`))
    })
  })
}

function tlsOptions(t: Target): ConnectionOptions {
  // The name checked is the host itself; SNI only for a name, never an address.
  return { host: t.host, ...(isIP(t.host) ? {} : { servername: t.host }), rejectUnauthorized: t.verify }
}

/** A TLS client over `opts.socket`, torn down (with an error event) when the handshake outlasts the timeout. */
function handshake(t: Target, opts: ConnectionOptions): TLSSocket {
  const sock = tlsConnect({ ...opts, ...tlsOptions(t) })
  const disarm = deadline(t.timeout, () => sock.destroy(new Error('timeout')))
  sock.once('secureConnect', disarm)
  sock.once('error', disarm)
  return sock
}

function handshakeFailed(t: Target, err: unknown): LdapHandshakeFailed {
  return new LdapHandshakeFailed(`failed to do SSL handshake with ${t.host}:${t.port}: ${(err as Error).message}`)
}

function openTls(t: Target, raw: Socket): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const sock = handshake(t, { socket: raw })
    sock.once('secureConnect', () => {
      sock.removeAllListeners('error')
      resolve(sock)
    })
    sock.once('error', (err) => {
      raw.destroy()
      reject(handshakeFailed(t, err))
    })
  })
}

/** A connected client, ready for a bind; throws LdapUnavailable or LdapHandshakeFailed. */
export async function openClient(t: Target): Promise<Client> {
  const raw = await openTcp(t)
  let sock: Socket = raw
  if (t.security === 'ldaps') sock = await openTls(t, raw)
  let handedOver = false
  // Set once the server accepted StartTLS: a failure before is the server's, after it the handshake's.
  let handshaking = false
  const client = new Client({
    // The URL is not dialled: the socket below is the connection.
    url: 'ldap://ldap-auth',
    timeout: delay(t.timeout),
    strictDN: false,
    // The socket once; ldapts never reconnects on its own (a closed client is dropped from the pool).
    createConnection: () => {
      if (handedOver) throw new Error('connection closed')
      handedOver = true
      return sock
    },
    createSecureConnection: ((opts: ConnectionOptions) => {
      handshaking = true
      return handshake(t, opts)
    }) as typeof tlsConnect,
  })
  if (t.security !== 'starttls') return client
  try {
    await client.startTLS()
  } catch (err) {
    raw.destroy()
    if (handshaking) throw handshakeFailed(t, err)
    throw new LdapUnavailable(`failed to start TLS with ${t.host}:${t.port}: ${(err as Error).message}`)
  }
  return client
}
