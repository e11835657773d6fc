/**
 * The connector of the upstream pools: undici's own (TCP, then TLS), with the
 * service's connect_timeout on a timer of its own. undici arms its connect
 * timeout on its coarse clock, which ticks about every 500 ms: a 1 ms timeout
 * fired after 0.5-1 s, so a service with `connect_timeout: 1` and 5 retries
 * took 6 s to answer 504. A connection is opened once per keep-alive socket,
 * so one native timer per connect costs nothing that matters. Its failures
 * are marked as such (failedConnecting), for retries.
 */
import type { Socket } from 'node:net'
import { buildConnector, errors } from 'undici'

const CONNECTING = Symbol('failed while connecting')

/**
 * Whether an upstream error happened while connecting (TCP connect or TLS
 * handshake, a refused certificate included): nothing of the request was sent,
 * so any request may go to the next target, as nginx's proxy_next_upstream
 * `error` does. undici hands the request the connector's own error object.
 */
export function failedConnecting(err: unknown): boolean {
  return typeof err === 'object' && err !== null && CONNECTING in err
}

/** A connector that gives up after exactly `timeoutMs` (TCP connect and TLS handshake together, as undici counts it). */
export function timedConnector(timeoutMs: number, opts: buildConnector.BuildOptions): buildConnector.connector {
  // undici's own timer off: ours is the only one.
  const connect = buildConnector({ ...opts, timeout: 0 })
  const open = connect as (o: buildConnector.Options, cb: buildConnector.Callback) => Socket | undefined
  return (options, callback) => {
    // Filled in once `open` returns; the timer cannot fire before that.
    const opened: { socket?: Socket | undefined } = {}
    const timer = setTimeout(() => {
      // One turn later, as undici does: an error the socket already has wins over the timeout.
      setImmediate(() => {
        const socket = opened.socket
        if (!socket || socket.destroyed) return
        socket.destroy(
          new errors.ConnectTimeoutError(`Connect Timeout Error (attempted address: ${options.hostname}:${options.port}, timeout: ${timeoutMs}ms)`),
        )
      })
    }, timeoutMs)
    opened.socket = open(options, (...args) => {
      clearTimeout(timer)
      if (args[0]) Object.defineProperty(args[0], CONNECTING, { value: true })
      callback(...args)
    })
  }
}
