// Supabase's real gateway file in its legacy mode: only the anon and service_role JWTs are set
// (../shared/corpus/supabase-rendered/kong.rendered-legacy.yml, hosts pointed at stand-ins),
// driven by the real @supabase/supabase-js client (issue 13).
//
// The legacy render sets the expressions to AUTH = the client's Authorization unless absent or
// "Bearer sb_...", else the apikey as is; RT = ?apikey= as is; FN = nil. The consumers hold the
// two JWTs only. So, per client key:
//
//   client key        auth, rest, graphql,       realtime ?apikey=   functions            /pg/
//                     storage: Authorization     and x-api-key       sb-api-key
//   anon JWT          Bearer <anon JWT>          <anon JWT>          (none)               403
//   service_role JWT  Bearer <service JWT>       <service JWT>       (none)               200
//   sb_publishable_…  401 "Unauthorized" wherever key-auth runs (auth, rest, graphql, realtime):
//   sb_secret_…       no consumer has the key. Storage (no key-auth) gets Authorization = the key
//                     itself, no "Bearer" (AUTH's last resort); functions get no sb-api-key and
//                     Authorization "Bearer <key>" as sent.
//
// Until the Lua runtime (issue 13) is merged, the gateway refuses this file ("unsupported template
// expression" for AUTH and FN's `$(nil)`), so every subtest here fails at the gateway's start.
import t from 'tap'
import { corpusAbsent } from '../helpers/outside.js'
import { readKeys, renderedPresent, serveRendered, supabase, type Served } from '../helpers/supabase.js'
import { clientSteps, type KeyExpectation } from './supabase-flow.js'

if (!renderedPresent()) {
  t.test('the rendered Supabase files are beside the project', async (t) => {
    corpusAbsent(t, "Supabase's rendered legacy kong.yml with the supabase-js client through the gateway")
  })
} else {
  const k = readKeys()
  const served: Promise<Served> = serveRendered(t, 'kong.rendered-legacy.yml')
  // Each subtest awaits it and fails with the gateway's own error if it did not start.
  served.catch(() => {})

  const keys: KeyExpectation[] = [
    { label: 'anon JWT', key: k.SUPABASE_ANON_KEY, token: k.SUPABASE_ANON_KEY, sbApiKey: undefined, pg: 403 },
    { label: 'service_role JWT', key: k.SUPABASE_SERVICE_KEY, token: k.SUPABASE_SERVICE_KEY, sbApiKey: undefined, pg: 200 },
  ]
  for (const e of keys) t.test(`supabase-js with the ${e.label}`, (t) => clientSteps(t, served, e))

  for (const [label, key] of [
    ['publishable key', k.SUPABASE_PUBLISHABLE_KEY],
    ['secret key', k.SUPABASE_SECRET_KEY],
  ] as const) {
    t.test(`supabase-js with the ${label}: no consumer has it`, async (t) => {
      const { gw, s } = await served
      const sb = supabase(t, gw.url, key)

      s.reset()
      const select = await sb.from('t').select()
      t.equal(select.status, 401, 'REST: 401')
      t.equal(select.error?.message, 'Unauthorized')
      const signUp = await sb.auth.signUp({ email: 'nobody@example.test', password: 'a-long-enough-password' })
      t.equal(signUp.error?.status, 401, 'auth: 401')
      const status = await new Promise<string>((resolve) => sb.channel('x').subscribe((st) => resolve(st)))
      t.not(status, 'SUBSCRIBED', `realtime: the socket is refused (${status})`)
      t.same(
        [s.rest, s.auth, s.realtime].map((x) => x.seen.length),
        [0, 0, 0],
        'rest, auth and realtime saw nothing',
      )

      s.reset()
      const list = await sb.storage.from('b').list()
      t.equal(list.error, null, 'storage has no key-auth: the list is answered')
      t.same(
        s.storage.seen.map((x) => [x.path, x.authorization, x.apikey]),
        [['/object/list/b', key, key]],
        'storage gets the key itself as Authorization, without "Bearer"',
      )

      s.reset()
      const f = await sb.functions.invoke('hello', { body: { name: 'x' } })
      t.same(f.data, { message: 'Hello x' })
      t.same(
        s.functions.seen.map((x) => [x.path, x.authorization, x.apikey, x.sbApiKey]),
        [['/hello', `Bearer ${key}`, key, undefined]],
        'functions: no sb-api-key, Authorization as sent',
      )
    })
  }
}
