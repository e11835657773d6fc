/**
 * The words an OpenResty cosocket uses for a failed connect, handshake or
 * send (`timeout`, `connection refused`, ...), for the messages of the log
 * plugins that talk to a socket themselves (http-log, tcp-log, udp-log,
 * loggly, statsd, datadog): Kong logs `failed to connect to host:port:
 * connection refused`, and Node's and undici's error codes map onto those
 * words. An unknown code keeps Node's message.
 */
const COSOCKET_WORDS: Readonly<Record<string, string>> = {
  ETIMEDOUT: 'timeout',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EPIPE: 'broken pipe',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  EMSGSIZE: 'message too long',
  // undici's codes (http-log), for the same events.
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_SOCKET: 'closed',
}

/** The cosocket's words for `e` (an errno error, or the `timeout` this gateway raises itself). */
export function socketError(e: unknown): string {
  const err = e as (NodeJS.ErrnoException & { hostname?: string }) | undefined
  const code = err?.code
  // Kong's resolver: `<name> could not be resolved (3: Host not found)`.
  if (code === 'ENOTFOUND') return `${err?.hostname ?? 'host'} could not be resolved (3: Host not found)`
  if (code === 'EAI_AGAIN') return `${err?.hostname ?? 'host'} could not be resolved (2: Server failure)`
  const words = code !== undefined ? COSOCKET_WORDS[code] : undefined
  return words ?? (e instanceof Error ? e.message : String(e))
}

/** An error whose cosocket words are `timeout`. */
export const timeoutError = (): NodeJS.ErrnoException => Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })

/** Whether `e` is a name that could not be resolved (Kong's cosocket fails its connect/setpeername then). */
export function isResolveError(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code
  return code === 'ENOTFOUND' || code === 'EAI_AGAIN'
}
