/**
 * The request pipeline: the named steps every request goes through, over one
 * request state, whatever its transport (plain HTTP/1.1 today, upgrades, and
 * HTTP/2 streams through the same steps next). In Kong's order:
 *
 *   target → rewrite → route → access → balance → forward (retries go back to
 *   balance) → header_filter → body_filter → log
 *
 * Before any step, what nginx refuses outright (request-checks.ts: a
 * duplicate or missing Host, TRACE). `target` reads the request target (400
 * on a bad one); `rewrite` runs the global plugins' rewrite phase (before
 * routing, as Kong does); `route` picks
 * the route and applies its protocol rules (route.ts); `access` runs the
 * route's plugins in priority (or dynamic) order; `balance` and `forward` pick
 * a target and send (forward.ts); the response phases run on whatever answer
 * follows (proxied, plugin exit or gateway error; respond.ts, forward.ts); the
 * log phase runs once the client has its answer. A step that answers ends the
 * pipeline; the response phases still run, as in Kong. Steps stay synchronous
 * until a plugin returns a promise.
 */
import { BAD_REQUEST, NO_SERVICE, UNEXPECTED, URI_TOO_LONG, type ErrorAnswer } from '../errors.js'
import { forward } from './forward.js'
import { overHeaderLimits } from './header-limits.js'
import { runAccess, runRewrite, scheduleLog, type Outcome } from './phases.js'
import { answerExit, fail, terminate } from './respond.js'
import { bufferRequestBody, StoredBody } from './request-body.js'
import { route } from './route.js'
import { refusal } from './request-checks.js'
import type { RequestState } from './state.js'
import { normalizeRequestPath, splitRequestTarget } from './target.js'
import { unexpected } from './unexpected.js'
import { outbound, type Outbound } from './upstream-request.js'

export function runPipeline(s: RequestState): void {
  const global = s.runtime.chains.global
  const tooLarge = overHeaderLimits(s.req)
  if (tooLarge) return refuseHead(s, tooLarge)
  const refused = refusal(s.req)
  if (refused) return fail(s, refused.answer, refused.headers)
  if (!readTarget(s)) return
  if (global.empty) return routeStep(s)
  // Global plugins' response phases run even when no route matches.
  s.lists = global.lists
  s.transport.markStart()
  const rewrite = global.lists.rewrite
  if (rewrite.length === 0) return routeStep(s)
  then(s, runRewrite(s, rewrite), routeStep)
}

/**
 * A request line or header line over nginx's buffers: nginx answers before
 * Kong runs, and Kong's error page still runs the global plugins' response
 * phases (spec/02-integration/05-proxy/04-plugins_triggering_spec.lua:1018).
 * The connection closes, as nginx never finished reading the head.
 */
function refuseHead(s: RequestState, answer: ErrorAnswer): void {
  if (answer === URI_TOO_LONG) {
    // nginx read nothing past the request line: plugins (and the template's
    // negotiation) see a request without headers (04-plugins_triggering_spec.lua:983).
    s.req.headers = {}
    s.req.rawHeaders = []
  } else {
    // The request line was read: log plugins see its query (04-plugins_triggering_spec.lua:920).
    const target = splitRequestTarget(s.req.url ?? '/')
    if (target) s.query = target.query
  }
  const global = s.runtime.chains.global
  if (!global.empty) {
    s.lists = global.lists
    s.transport.markStart()
  }
  fail(s, answer, CLOSE)
}

const CLOSE = Object.freeze({ connection: 'close' })

/** The target step: path and query split, the path normalized as Kong's router sees it. */
function readTarget(s: RequestState): boolean {
  const target = splitRequestTarget(s.req.url ?? '/')
  const path = target && normalizeRequestPath(target.rawPath)
  if (!target || path === undefined) {
    fail(s, BAD_REQUEST)
    return false
  }
  s.rawPath = target.rawPath
  s.query = target.query
  s.path = path
  return true
}

function routeStep(s: RequestState): void {
  if (s.trace?.settings?.router) return routeTraced(s)
  if (route(s)) accessStep(s)
}

/** The route step inside Kong's `kong.router` span. */
function routeTraced(s: RequestState): void {
  const trace = s.trace!
  const span = trace.enter('kong.router')
  let matched
  try {
    matched = route(s)
  } finally {
    trace.leave(span)
  }
  if (matched) accessStep(s)
}

function accessStep(s: RequestState): void {
  const chain = s.runtime.chains.forRoute(s.match!.route)
  if (chain.empty) return proxyStep(s)
  s.transport.markStart()
  then(s, runAccess(s, chain), proxyStep)
}

function proxyStep(s: RequestState): void {
  const service = s.match!.service
  if (!service) return fail(s, NO_SERVICE)
  const o = outbound(s, service)
  if (!('path' in o)) return answerExit(s, o)
  // The log phase runs even when the client goes away before the upstream answers.
  const lists = s.lists
  if (lists && lists.log.length > 0) scheduleLog(s, lists)
  if (o.readBody) return readBodyThenForward(s, o)
  forward(s, o)
}

/**
 * request_buffering: the whole body is read (after the access phase, as
 * nginx reads it in the content phase) before the first try, so a client that
 * sends slowly never holds an upstream connection.
 */
function readBodyThenForward(s: RequestState, o: Outbound): void {
  bufferRequestBody(s, o.limit?.maxBytes)
    .then((r) => {
      switch (r.kind) {
        case 'body':
          if (r.body instanceof StoredBody) {
            // The temp file lives until the exchange with the client is over (every try reads it).
            if (s.transport.closed) return void r.body.close()
            const stored = r.body
            s.transport.onClose(() => void stored.close())
          }
          o.body = r.body
          o.headers['content-length'] = String(r.size)
          return forward(s, o)
        case 'limit':
          // The rest of the body is not read: the connection cannot carry another request.
          return answerExit(s, { ...o.limit!.exit, headers: { ...o.limit!.exit.headers, connection: 'close' } })
        case 'timeout':
          return terminate(s, 408)
        case 'closed':
          return
        case 'failed':
          return fail(s, UNEXPECTED)
      }
    })
    // A failure of the read itself, or of what ran after it (forward), is the request's.
    .catch((err: unknown) => unexpected(s, err, 'request body'))
}

const isThenable = <T>(v: T | Promise<T>): v is Promise<T> => typeof (v as Promise<T> | undefined)?.then === 'function'

/**
 * After a phase: its Exit answers; nothing goes on to `next`; a promise waits
 * (unless the client left). What follows a promise runs outside the caller's
 * try (handle.ts), so its exceptions are caught here.
 */
function then(s: RequestState, outcome: Outcome | Promise<Outcome>, next: (s: RequestState) => void): void {
  if (outcome === undefined) return next(s)
  if (!isThenable(outcome)) return answerExit(s, outcome)
  outcome.then(
    (e) => {
      if (s.transport.closed) return
      try {
        if (e) answerExit(s, e)
        else next(s)
      } catch (err) {
        unexpected(s, err, 'pipeline')
      }
    },
    (err: unknown) => unexpected(s, err, 'pipeline'),
  )
}
