/**
 * Stream translators more than one driver uses: OpenAI-format events passed
 * as they came (Kong's openai driver returns the event's data), and the
 * translator of a format Kong has no stream transformer for (every event is
 * an error, logged and skipped: the client gets no events).
 */
import type { StreamFrame, StreamTranslator } from './types.js'

export const passThrough: StreamTranslator = (e) => (e.data === undefined ? undefined : { data: e.data })

/** Kong's from_format when `stream/<route_type>` has no transformer. */
export function noStreamTransformer(provider: string, routeType: string, format?: string): StreamTranslator {
  const frame: StreamFrame = { error: `no transformer available from format ${provider}://stream/${routeType}${format === undefined ? '' : `/${format}`}` }
  return () => frame
}

/** JSON text of an event's data, or undefined when it is not JSON. */
export function parseData(data: string | undefined): unknown {
  if (data === undefined) return undefined
  try {
    return JSON.parse(data)
  } catch {
    return undefined
  }
}
