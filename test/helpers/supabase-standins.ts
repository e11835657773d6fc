/**
 * Stand-ins for the services Supabase's kong.yml routes to (auth, rest, realtime,
 * storage, functions, meta, studio), each on 127.0.0.1:0. Each records what
 * reached it (method, path, query, and the credential headers the gateway is
 * meant to translate) and answers what `@supabase/supabase-js` needs to go on:
 * GoTrue's sign-up session and /user, PostgREST's JSON arrays (201 with the
 * representation when asked for it), storage's object list, a function's JSON,
 * and Realtime's Phoenix channel join (`phx_reply`, status ok). Nothing more:
 * the test asserts on what was recorded, not on what a stand-in decided.
 */
import { createHmac, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { acceptWebSocket } from './websocket-server.js'

/** One request as a stand-in saw it. A header is undefined when absent, '' when sent empty. */
export interface Seen {
  method: string
  path: string
  query: Record<string, string[]>
  authorization: string | undefined
  apikey: string | undefined
  sbApiKey: string | undefined
  xApiKey: string | undefined
  contentProfile: string | undefined
  body: string
  /** True for a WebSocket handshake. */
  upgrade: boolean
}

interface Answer {
  status: number
  json?: unknown
  text?: string
}

type Route = (seen: Seen, req: IncomingMessage) => Answer

export interface StandIn {
  name: string
  port: number
  seen: Seen[]
  close(): Promise<void>
}

export interface RealtimeStandIn extends StandIn {
  /** Channel joins received over the socket: topic and payload, as the client sent them. */
  joins: { topic: string; payload: Record<string, unknown> }[]
}

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v.join(', ') : v)

function record(req: IncomingMessage, body: string, upgrade: boolean): Seen {
  const url = new URL(req.url ?? '/', 'http://stand-in')
  const query: Record<string, string[]> = {}
  for (const [k, v] of url.searchParams) (query[k] ??= []).push(v)
  return {
    method: req.method ?? '',
    path: url.pathname,
    query,
    authorization: one(req.headers.authorization),
    apikey: one(req.headers.apikey),
    sbApiKey: one(req.headers['sb-api-key']),
    xApiKey: one(req.headers['x-api-key']),
    contentProfile: one(req.headers['content-profile']),
    body,
    upgrade,
  }
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
}

async function standIn(name: string, route: Route): Promise<StandIn & { server: Server }> {
  const seen: Seen[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const s = record(req, Buffer.concat(chunks).toString('utf8'), false)
      seen.push(s)
      let a: Answer
      try {
        a = route(s, req)
      } catch (err) {
        // A body the stand-in cannot read (JSON.parse): the client sees a 400, the test goes on.
        a = { status: 400, json: { message: `stand-in could not read the request: ${(err as Error).message}` } }
      }
      const out = a.json !== undefined ? JSON.stringify(a.json) : (a.text ?? '')
      const type = a.json !== undefined ? 'application/json' : 'text/plain'
      res.writeHead(a.status, { 'content-type': type, 'content-length': Buffer.byteLength(out) })
      res.end(out)
    })
  })
  const port = await listen(server)
  return { name, port, seen, server, close: closer(server) }
}

const notFound = (what: string): Answer => ({ status: 404, json: { message: `stand-in has no ${what}` } })

// ------------------------------------------------------------------ GoTrue

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')

/** A user access token as GoTrue issues one (HS256, signed with a throwaway secret). */
function userJwt(sub: string, email: string): string {
  const head = b64url({ alg: 'HS256', typ: 'JWT' })
  const body = b64url({ sub, email, role: 'authenticated', aud: 'authenticated', exp: Math.floor(Date.now() / 1000) + 3600 })
  return `${head}.${body}.${createHmac('sha256', 'stand-in-gotrue-secret').update(`${head}.${body}`).digest('base64url')}`
}

export interface AuthStandIn extends StandIn {
  /** The access tokens handed out by /signup, in order. */
  issued: string[]
}

async function auth(): Promise<AuthStandIn> {
  const users = new Map<string, Record<string, unknown>>()
  const issued: string[] = []
  const s = await standIn('auth', (seen) => {
    if (seen.method === 'POST' && seen.path === '/signup') {
      const { email } = JSON.parse(seen.body) as { email: string }
      const now = new Date().toISOString()
      const user = {
        id: randomUUID(),
        aud: 'authenticated',
        role: 'authenticated',
        email,
        created_at: now,
        updated_at: now,
        app_metadata: {},
        user_metadata: {},
      }
      const token = userJwt(user.id, email)
      users.set(token, user)
      issued.push(token)
      // Autoconfirm on: GoTrue answers with a session.
      const session = { access_token: token, token_type: 'bearer', expires_in: 3600, expires_at: Math.floor(Date.now() / 1000) + 3600 }
      return { status: 200, json: { ...session, refresh_token: randomUUID(), user } }
    }
    if (seen.method === 'GET' && seen.path === '/user') {
      const user = seen.authorization?.startsWith('Bearer ') ? users.get(seen.authorization.slice(7)) : undefined
      // GoTrue only knows users by their access token: anything else is refused.
      if (!user) return { status: 401, json: { code: 401, error_code: 'bad_jwt', msg: 'invalid JWT: unable to parse or verify signature' } }
      return { status: 200, json: user }
    }
    return notFound(`auth route ${seen.method} ${seen.path}`)
  })
  return { ...s, issued }
}

// ------------------------------------------------------------------ PostgREST

/** PostgREST over table `t`, which holds one row. Inserts are answered, not kept: each client run starts alike. */
async function rest(): Promise<StandIn> {
  const rows = [{ id: 1, name: 'first' }]
  return standIn('rest', (seen, req) => {
    if (seen.method === 'POST' && seen.path === '/rpc/graphql') return { status: 200, json: { data: { __typename: 'Query' } } }
    if (seen.path !== '/t') return notFound(`table ${seen.path}`)
    if (seen.method === 'GET') return { status: 200, json: rows }
    if (seen.method === 'POST') {
      const input = JSON.parse(seen.body) as Record<string, unknown> | Record<string, unknown>[]
      const added = (Array.isArray(input) ? input : [input]).map((r, i) => ({ id: rows.length + 1 + i, ...r }))
      const representation = String(req.headers.prefer ?? '').includes('return=representation')
      return representation ? { status: 201, json: added } : { status: 201, text: '' }
    }
    return notFound(`method ${seen.method}`)
  })
}

// ------------------------------------------------------------------ Storage, Functions, pg-meta, Studio

async function storage(): Promise<StandIn> {
  return standIn('storage', (seen) => {
    const list = /^\/object\/list\/([^/]+)$/.exec(seen.path)
    if (seen.method === 'POST' && list) {
      const at = '2024-01-01T00:00:00.000Z'
      return {
        status: 200,
        json: [{ name: 'hello.txt', id: randomUUID(), updated_at: at, created_at: at, last_accessed_at: at, metadata: { size: 5, mimetype: 'text/plain' } }],
      }
    }
    if (seen.method === 'GET' && seen.path.startsWith('/object/public/')) return { status: 200, text: 'hello' }
    return notFound(`storage route ${seen.method} ${seen.path}`)
  })
}

async function functions(): Promise<StandIn> {
  return standIn('functions', (seen) => {
    if (seen.path !== '/hello') return notFound(`function ${seen.path}`)
    const input = seen.body ? (JSON.parse(seen.body) as { name?: string }) : {}
    return { status: 200, json: { message: `Hello ${input.name ?? 'world'}` } }
  })
}

async function meta(): Promise<StandIn> {
  return standIn('meta', (seen) => (seen.method === 'GET' && seen.path === '/tables' ? { status: 200, json: [] } : notFound(`pg-meta route ${seen.path}`)))
}

async function studio(): Promise<StandIn> {
  return standIn('studio', () => ({ status: 200, text: 'studio' }))
}

// ------------------------------------------------------------------ Realtime

/** Realtime: `/socket/websocket` speaks Phoenix (serializer 2.0.0: JSON arrays); `/api/*` is plain HTTP. */
async function realtime(): Promise<RealtimeStandIn> {
  const joins: RealtimeStandIn['joins'] = []
  const s = await standIn('realtime', (seen) => (seen.path.startsWith('/api/') ? { status: 200, json: [] } : notFound(`realtime route ${seen.path}`)))
  // The HTTP server forgets a socket once it is upgraded: closing must end these itself.
  const sockets = new Set<Duplex>()
  s.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    const seen = record(req, '', true)
    s.seen.push(seen)
    if (seen.path !== '/socket/websocket') {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')
      return
    }
    acceptWebSocket(req, socket, head, (text, peer) => {
      const [joinRef, ref, topic, event, payload] = JSON.parse(text) as [string | null, string | null, string, string, Record<string, unknown>]
      const reply = (response: Record<string, unknown>) => peer.send(JSON.stringify([joinRef, ref, topic, 'phx_reply', { status: 'ok', response }]))
      if (event === 'phx_join') {
        joins.push({ topic, payload })
        reply({ postgres_changes: [] })
      } else if (event === 'heartbeat' || event === 'phx_leave') reply({})
    })
  })
  const close = s.close
  return {
    ...s,
    joins,
    close: () => {
      for (const socket of sockets) socket.destroy()
      return close()
    },
  }
}

// ------------------------------------------------------------------ all of them

export interface StandIns {
  auth: AuthStandIn
  rest: StandIn
  realtime: RealtimeStandIn
  storage: StandIn
  functions: StandIn
  meta: StandIn
  studio: StandIn
  /** Forgets what every stand-in saw (between one client's run and the next). */
  reset(): void
  close(): Promise<void>
}

export async function startStandIns(): Promise<StandIns> {
  const [a, r, rt, st, f, m, sd] = await Promise.all([auth(), rest(), realtime(), storage(), functions(), meta(), studio()])
  const all = [a, r, rt, st, f, m, sd]
  return {
    auth: a,
    rest: r,
    realtime: rt,
    storage: st,
    functions: f,
    meta: m,
    studio: sd,
    reset() {
      for (const s of all) s.seen.length = 0
      rt.joins.length = 0
    },
    close: async () => {
      await Promise.all(all.map((s) => s.close()))
    },
  }
}
