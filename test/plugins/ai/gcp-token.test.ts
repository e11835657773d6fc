// The GCP token source (src/plugins/shared/ai/gcp-token.ts), what lua-resty-gcp does for Kong's gemini
// driver: one fetch at a time per account, a token reused until near expiry, and unusable accounts
// refused with a reason that never quotes them. The token endpoint is the stand-in of gemini-standin.ts.
import { generateKeyPairSync } from 'node:crypto'
import t, { type Test } from 'tap'
import { GCP_TOKENS, gcpTokenSource, parseServiceAccount } from '../../../src/plugins/shared/ai/gcp-token.js'
import type { NodeView } from '../../../src/plugins/types.js'
import { serviceAccount, tokenStandIn, type Account } from './gemini-standin.js'

/** A node with its own slots, closed when the test ends. */
function node(t: Test): NodeView {
  const slots = new Map<string, unknown>()
  const view = {
    id: 'node',
    hostname: 'localhost',
    secret: Buffer.alloc(32),
    slot<T>(s: { key: string; create(n: NodeView): T }): T {
      if (!slots.has(s.key)) slots.set(s.key, s.create(view))
      return slots.get(s.key) as T
    },
  } as unknown as NodeView
  t.teardown(async () => {
    const tokens = slots.get(GCP_TOKENS.key)
    if (tokens) await GCP_TOKENS.close!(tokens as never)
  })
  return view
}

const accounts: Account[] = []
const tokens = new Set<string>()
const api = await tokenStandIn(t, accounts, tokens)

t.test('concurrent requests share one fetch, later ones the cached token', async (t) => {
  const sa = serviceAccount('a@kong-gemini.iam.gserviceaccount.com', generateKeyPairSync('rsa', { modulusLength: 2048 }), `${api.url}/token`)
  accounts.push(sa.account)
  const source = gcpTokenSource(sa.json, node(t))
  const before = api.requests
  const [a, b] = await Promise.all([source.token(), source.token()])
  t.same(a, b)
  t.equal(api.requests - before, 1, 'one fetch for both')
  t.same(await source.token(), a, 'cached')
  t.equal(api.requests - before, 1)
  t.ok('ok' in a && tokens.has(a.ok), 'a token the endpoint issued')
})

t.test('unusable accounts', async (t) => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
  const cases: [string, string][] = [
    ['{"private_key": ', 'the service account is not JSON'],
    ['"text"', 'the service account is not a JSON object'],
    ['{"client_email": "x@y"}', 'the service account lacks client_email, private_key or private_key_id'],
    [JSON.stringify({ client_email: 'x@y', private_key_id: 'k', private_key: 'not a key' }), "the service account's private_key is not a PEM private key"],
    [JSON.stringify({ client_email: 'x@y', private_key_id: 'k', private_key: pem }), "the service account's private_key is not an RSA key"],
  ]
  for (const [json, reason] of cases) t.same(parseServiceAccount(json), { error: reason })
  const source = gcpTokenSource(cases[4]![0], node(t))
  t.same(await source.token(), { error: "the service account's private_key is not an RSA key" })
})

t.test('an unreachable token endpoint is an error, tried again next time', async (t) => {
  const sa = serviceAccount('b@kong-gemini.iam.gserviceaccount.com', generateKeyPairSync('rsa', { modulusLength: 2048 }), 'http://127.0.0.1:9/token')
  const source = gcpTokenSource(sa.json, node(t))
  const first = await source.token()
  t.match(first, { error: /^the token request failed: / })
  t.notOk(JSON.stringify(first).includes('PRIVATE KEY'))
  t.match(await source.token(), { error: /^the token request failed: / })
})
