/**
 * Supabase's rendered gateway files (`../shared/corpus/supabase-rendered`, see its
 * README) served by the real gateway, with every compose service host pointed
 * at a stand-in, and the real `@supabase/supabase-js` client pointed at the
 * gateway. The files are read as they are: only the upstream hosts change.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createClient, type RealtimeClientOptions, type SupabaseClient } from '@supabase/supabase-js'
import { WebSocket } from 'undici'
import { CORPUS } from './outside.js'
import { gateway, type TestGateway } from './gateway.js'
import { startStandIns, type StandIns } from './supabase-standins.js'

export const RENDERED = join(CORPUS, 'supabase-rendered')

/** Whether the rendered files are beside the checkout. */
export const renderedPresent = (): boolean => existsSync(join(RENDERED, 'kong.rendered.yml')) && existsSync(join(RENDERED, 'keys.json'))

/** keys.json: the values render.mjs put into the files. */
export interface Keys {
  SUPABASE_ANON_KEY: string
  SUPABASE_SERVICE_KEY: string
  DASHBOARD_USERNAME: string
  DASHBOARD_PASSWORD: string
  SUPABASE_PUBLISHABLE_KEY: string
  SUPABASE_SECRET_KEY: string
  /** The internal JWT the templates put in place of the publishable key. */
  ANON_KEY_ASYMMETRIC: string
  /** The internal JWT the templates put in place of the secret key. */
  SERVICE_ROLE_KEY_ASYMMETRIC: string
}

export const readKeys = (): Keys => JSON.parse(readFileSync(join(RENDERED, 'keys.json'), 'utf8')) as Keys

/** Supabase's compose service (host:port in the files) → the stand-in that plays it. */
const SERVICES = {
  'auth:9999': 'auth',
  'rest:3000': 'rest',
  'realtime-dev.supabase-realtime:4000': 'realtime',
  'storage:5000': 'storage',
  'functions:9000': 'functions',
  'meta:8080': 'meta',
  'studio:3000': 'studio',
} as const

/**
 * Rewrites `http://<service>/...` to the stand-in's `http://127.0.0.1:<port>/...`.
 * Throws if a service URL is left pointing elsewhere (a new service in the file
 * must get a stand-in, not a DNS lookup).
 */
export function pointAtStandIns(yaml: string, s: StandIns): string {
  let out = yaml
  for (const [host, name] of Object.entries(SERVICES)) out = out.replaceAll(`http://${host}`, `http://127.0.0.1:${s[name].port}`)
  const left = out
    .split('\n')
    .filter((l) => /^\s*url:/.test(l) && !l.includes('http://127.0.0.1:'))
    .map((l) => l.trim())
  if (left.length > 0) throw new Error(`service URLs without a stand-in: ${left.join('; ')}`)
  return out
}

export interface Served {
  gw: TestGateway
  s: StandIns
}

/** The gateway on `kong.rendered*.yml` (file name in RENDERED) in front of fresh stand-ins; both closed at teardown. */
export async function serveRendered(t: { teardown(fn: () => Promise<void>): void }, file: string): Promise<Served> {
  const s = await startStandIns()
  t.teardown(() => s.close())
  const gw = await gateway(pointAtStandIns(readFileSync(join(RENDERED, file), 'utf8'), s))
  t.teardown(() => gw.close())
  return { gw, s }
}

/**
 * The real client with `key`, as a server-side app makes it: no persisted
 * session, no refresh timer. Node 20 has no global WebSocket: realtime gets
 * undici's (a dependency of the gateway). Realtime is disconnected at teardown.
 */
export function supabase(t: { teardown(fn: () => Promise<void>): void }, url: string, key: string): SupabaseClient {
  const client = createClient(url, key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: WebSocket as unknown as RealtimeClientOptions['transport'] },
  })
  t.teardown(async () => {
    await client.removeAllChannels()
    client.realtime.disconnect()
  })
  return client
}
