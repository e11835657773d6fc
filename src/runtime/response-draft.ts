/**
 * The response on its way to the client, as plugins see it (Kong's
 * kong.response): before the response phases it holds only the headers
 * plugins set early (they land on whatever response follows); from then on,
 * the status and headers about to be sent.
 */
import type { KitResponse, StreamBodyFilter } from '../plugins/types.js'
import { checkHeader, ignoredResponseHeader } from './header-checks.js'
import type { OutHeaders } from './transport.js'
import type { RequestState } from './state.js'

export class ResponseDraft implements KitResponse {
  constructor(
    public status: number,
    readonly headers: OutHeaders,
    readonly source: 'service' | 'exit' | 'error',
    private readonly s: RequestState | undefined,
  ) {}

  skipBody(): void {
    const s = this.s
    if (s?.current) (s.bodySkipped ??= new Set()).add(s.current)
  }
  streamBody(filter: StreamBodyFilter): void {
    const s = this.s
    const inst = s?.current
    if (!s || !inst) return
    ;(s.bodySkipped ??= new Set()).add(inst)
    ;(s.streamFilters ??= []).push({ inst, filter })
  }
  header(name: string): string | undefined {
    const v = this.headers[name.toLowerCase()]
    return v === undefined ? undefined : Array.isArray(v) ? v[0] : String(v)
  }
  // Checked here, so a bad header fails the plugin that set it (header-checks.ts);
  // Transfer-Encoding is ignored, as Kong does: the gateway frames the body.
  setHeader(name: string, value: string | string[]): void {
    checkHeader(name, value)
    const key = name.toLowerCase()
    if (!ignoredResponseHeader(key)) this.headers[key] = value
  }
  addHeader(name: string, value: string): void {
    checkHeader(name, value)
    const key = name.toLowerCase()
    if (ignoredResponseHeader(key)) return
    const v = this.headers[key]
    this.headers[key] = v === undefined ? value : Array.isArray(v) ? [...v, value] : [String(v), value]
  }
  clearHeader(name: string): void {
    delete this.headers[name.toLowerCase()]
  }
}

/** The draft before the response exists: only early headers (status 0, source 'exit' until known). */
export function earlyResponse(): ResponseDraft {
  return new ResponseDraft(0, {}, 'exit', undefined)
}

/**
 * The response phases start: headers plugins set early override the
 * response's own (Kong applies them last), and plugins now see the real
 * status and headers.
 */
export function startResponse(s: RequestState, status: number, headers: OutHeaders, source: KitResponse['source']): ResponseDraft {
  const early = s.response
  if (early && early.status === 0) {
    const pending = early.headers
    for (const k in pending) headers[k] = pending[k]!
  }
  const draft = new ResponseDraft(status, headers, source, s)
  s.trace?.beforeHeaderFilter(status, s.match?.route.paths?.[0])
  s.response = draft
  return draft
}
