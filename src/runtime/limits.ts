/**
 * What the gateway allows a client, per connection and per request, as nginx
 * does under Kong (kong.conf.default and nginx's defaults): how much of a
 * request body and of a response to a slow reader is held in memory before a
 * temporary file takes over, and how long a client may leave a body unsent or
 * an answer unread. Set by `gateway serve` (flags and environment), fixed for
 * the life of a listener.
 */
import { tmpdir } from 'node:os'

export interface ClientLimits {
  /** nginx's client_body_buffer_size (Kong's 8k): a buffered request body past this goes to a temp file. */
  readonly bodyBufferBytes: number
  /** nginx's client_body_timeout: the longest wait between two reads of a request body (ms). */
  readonly bodyTimeoutMs: number
  /** nginx's send_timeout: the longest wait between two writes to a client that reads nothing (ms). */
  readonly sendTimeoutMs: number
  /** nginx's proxy_buffers (8 4k): a buffered response waiting for a slow reader past this goes to a temp file. */
  readonly proxyBufferBytes: number
  /** nginx's proxy_max_temp_file_size (1024m): past this, the upstream waits for the reader instead. */
  readonly proxyTempFileBytes: number
  /** Where request bodies and responses spill (client_body_temp_path, proxy_temp_path). */
  readonly tempDir: string
}

export const DEFAULT_CLIENT_LIMITS: ClientLimits = Object.freeze({
  bodyBufferBytes: 8 * 1024,
  bodyTimeoutMs: 60_000,
  sendTimeoutMs: 60_000,
  proxyBufferBytes: 32 * 1024,
  proxyTempFileBytes: 1024 * 1024 * 1024,
  tempDir: tmpdir(),
})
