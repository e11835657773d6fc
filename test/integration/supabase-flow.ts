/**
 * What one Supabase key does through the gateway, step by step, with the real
 * client: REST select and insert, GraphQL, storage list, functions invoke,
 * realtime subscribe, pg-meta, then auth sign-up and getUser, and REST and
 * functions again with the signed-in user's token. Each step is its own
 * subtest (one failing step does not hide the others), starts from stand-ins
 * that have seen nothing, and asserts both what the client got and what
 * reached the stand-in. The expectations come from the test file's table.
 */
import type { Test } from 'tap'
import { request } from 'undici'
import { supabase, type Served } from '../helpers/supabase.js'

export interface KeyExpectation {
  /** How the test names the key. */
  label: string
  /** What the client is created with. */
  key: string
  /**
   * The token the templates put in `Authorization: Bearer ...` for auth, REST,
   * GraphQL and storage, and in realtime's `apikey` query value and `x-api-key`.
   */
  token: string
  /** The `sb-api-key` functions receive (undefined: none reaches them). */
  sbApiKey: string | undefined
  /** pg-meta (`/pg/`): the admin group passes, anon is refused by acl. */
  pg: 200 | 403
}

type Subscribed = 'SUBSCRIBED' | 'TIMED_OUT' | 'CLOSED' | 'CHANNEL_ERROR'

export async function clientSteps(t: Test, served: Promise<Served>, e: KeyExpectation): Promise<void> {
  const { gw, s } = await served
  const sb = supabase(t, gw.url, e.key)
  const step = (name: string, fn: (t: Test) => Promise<void>) =>
    t.test(name, async (t) => {
      s.reset()
      await fn(t)
    })

  await step('REST select reaches PostgREST with the translated Authorization', async (t) => {
    const r = await sb.from('t').select()
    t.equal(r.error, null, 'no error')
    t.same(r.data, [{ id: 1, name: 'first' }], "the client got PostgREST's rows")
    t.same(
      s.rest.seen.map((x) => [x.method, x.path, x.query, x.authorization, x.apikey]),
      [['GET', '/t', { select: ['*'] }, `Bearer ${e.token}`, e.key]],
      'PostgREST saw GET /t?select=* with the Authorization of the table and the apikey as sent',
    )
  })

  await step('REST insert answers 201 with the representation', async (t) => {
    const r = await sb.from('t').insert({ name: 'new' }).select()
    t.equal(r.status, 201)
    t.same(r.data, [{ id: 2, name: 'new' }], 'the client got the inserted row')
    t.same(
      s.rest.seen.map((x) => [x.method, x.path, JSON.parse(x.body) as unknown, x.authorization, x.apikey]),
      [['POST', '/t', { name: 'new' }, `Bearer ${e.token}`, e.key]],
    )
  })

  await step('GraphQL reaches /rpc/graphql with Content-Profile graphql_public', async (t) => {
    const r = await request(`${gw.url}/graphql/v1`, {
      method: 'POST',
      headers: { apikey: e.key, authorization: `Bearer ${e.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    })
    t.equal(r.statusCode, 200)
    t.same(await r.body.json(), { data: { __typename: 'Query' } })
    t.same(
      s.rest.seen.map((x) => [x.method, x.path, x.contentProfile, x.authorization, x.apikey]),
      [['POST', '/rpc/graphql', 'graphql_public', `Bearer ${e.token}`, e.key]],
    )
  })

  await step('storage list reaches storage with the translated Authorization', async (t) => {
    const r = await sb.storage.from('b').list()
    t.equal(r.error, null, 'no error')
    t.same(
      r.data?.map((o) => o.name),
      ['hello.txt'],
      "the client got storage's list",
    )
    t.same(
      s.storage.seen.map((x) => [x.method, x.path, x.authorization, x.apikey]),
      [['POST', '/object/list/b', `Bearer ${e.token}`, e.key]],
    )
  })

  await step('functions invoke: Authorization untouched, sb-api-key translated', async (t) => {
    const r = await sb.functions.invoke('hello', { body: { name: 'gateway' } })
    t.equal(r.error, null, 'no error')
    t.same(r.data, { message: 'Hello gateway' }, "the client got the function's JSON")
    t.same(
      s.functions.seen.map((x) => [x.method, x.path, x.authorization, x.apikey, x.sbApiKey]),
      [['POST', '/hello', `Bearer ${e.key}`, e.key, e.sbApiKey]],
    )
  })

  await step('realtime subscribe reaches SUBSCRIBED; the socket carries the translated apikey', async (t) => {
    const status = await new Promise<Subscribed>((resolve) => {
      // The first status settles it: a refused socket reports an error, not SUBSCRIBED.
      sb.channel('x').subscribe((st) => resolve(st as Subscribed))
    })
    t.equal(status, 'SUBSCRIBED')
    t.same(
      s.realtime.seen.map((x) => [x.upgrade, x.path, x.query, x.xApiKey]),
      [[true, '/socket/websocket', { apikey: [e.token], vsn: ['2.0.0'] }, e.token]],
      'one handshake on /socket/websocket: query apikey replaced, x-api-key added',
    )
    t.same(
      s.realtime.joins.map((j) => j.topic),
      ['realtime:x'],
      'the channel join went through the tunnel',
    )
    await sb.removeAllChannels()
  })

  await step(`pg-meta answers ${e.pg}`, async (t) => {
    const r = await request(`${gw.url}/pg/tables`, { headers: { apikey: e.key, authorization: `Bearer ${e.key}` } })
    t.equal(r.statusCode, e.pg)
    if (e.pg === 403) {
      t.equal(((await r.body.json()) as { message?: unknown }).message, 'You cannot consume this service', "acl's answer")
      t.same(s.meta.seen, [], 'pg-meta never saw it')
    } else {
      t.same(await r.body.json(), [])
      t.same(
        s.meta.seen.map((x) => [x.method, x.path, x.authorization, x.apikey]),
        [['GET', '/tables', `Bearer ${e.key}`, e.key]],
        'no transformer on /pg/: headers as sent',
      )
    }
  })

  let userToken = ''
  await step('auth sign-up: GoTrue gets the translated Authorization; the client keeps the session', async (t) => {
    const email = `user-${e.label.replaceAll(/\W/g, '')}@example.test`
    const r = await sb.auth.signUp({ email, password: 'a-long-enough-password' })
    t.equal(r.error, null, 'no error')
    t.equal(r.data.user?.email, email)
    t.equal(s.auth.issued.length > 0, true, 'GoTrue issued a token')
    userToken = s.auth.issued.at(-1) ?? ''
    t.equal(r.data.session?.access_token, userToken, "the client holds GoTrue's session")
    t.same(
      s.auth.seen.map((x) => [x.method, x.path, x.authorization, x.apikey]),
      [['POST', '/signup', `Bearer ${e.token}`, e.key]],
    )
  })

  await step("auth getUser: the user's token passes through as sent", async (t) => {
    const r = await sb.auth.getUser()
    t.equal(r.error, null, 'no error')
    t.match(r.data.user, { email: `user-${e.label.replaceAll(/\W/g, '')}@example.test` }, 'GoTrue knew the user by the token')
    t.same(
      s.auth.seen.map((x) => [x.method, x.path, x.authorization, x.apikey]),
      [['GET', '/user', `Bearer ${userToken}`, e.key]],
    )
  })

  await step("signed in: REST and functions get the user's token, apikey still the key", async (t) => {
    const r = await sb.from('t').select()
    t.equal(r.error, null, 'no error')
    const f = await sb.functions.invoke('hello', { body: { name: 'user' } })
    t.same(f.data, { message: 'Hello user' })
    t.same(
      s.rest.seen.map((x) => [x.path, x.authorization, x.apikey]),
      [['/t', `Bearer ${userToken}`, e.key]],
      "a user JWT is not a 'Bearer sb_' token: the template keeps it",
    )
    t.same(
      s.functions.seen.map((x) => [x.path, x.authorization, x.apikey, x.sbApiKey]),
      [['/hello', `Bearer ${userToken}`, e.key, e.sbApiKey]],
      'sb-api-key still follows the apikey',
    )
  })
}
