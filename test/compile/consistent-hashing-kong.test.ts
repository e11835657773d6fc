// Kong's consistent-hashing spec (spec/02-integration/05-proxy/10-balancer/03-consistent-hashing_spec.lua):
// what each request hashes (Kong's spec reads it from a test plugin's header; here from the
// compiled hash input the balancer uses), and, through a real gateway and real targets, that one
// hash value keeps every request on one target, a missing header included.
import t from 'tap'
import { compileHashInput, type HashFacts } from '../../src/compile/hash-input.js'
import { loadConfig } from '../../src/config/load.js'
import { normalizeRequestPath, splitRequestTarget } from '../../src/runtime/target.js'
import { balancedGateway, fetchRaw } from '../helpers/gateway.js'
import { startUpstream } from '../helpers/upstream.js'

/** What an upstream with these fields hashes for a request to `uri` (undefined: nothing, the balancer hashes ""). */
function hashed(fields: Record<string, string>, uri: string, named: Record<string, string> = {}): string | undefined {
  const yaml = `_format_version: "3.0"\nupstreams:\n- name: u\n${Object.entries(fields)
    .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}\n`)
    .join('')}`
  const r = loadConfig(yaml, { file: 'kong.yml', env: {} })
  if (!r.ok) throw new Error(JSON.stringify(r.issues))
  const input = compileHashInput(r.config.upstreams[0]!)!
  const target = splitRequestTarget(uri)!
  const facts: HashFacts = {
    remoteAddr: '127.0.0.1',
    path: normalizeRequestPath(target.rawPath)!,
    query: target.query,
    headers: {},
    captures: { named, unnamed: [] },
  }
  return input(facts).value
}

t.test('what is hashed', async (t) => {
  // spec/02-integration/05-proxy/10-balancer/03-consistent-hashing_spec.lua:333
  t.equal(hashed({ hash_on: 'path' }, '/my-path'), '/my-path')
  // spec/02-integration/05-proxy/10-balancer/03-consistent-hashing_spec.lua:339
  t.equal(hashed({ hash_on: 'path' }, '/my-path?a=1&b=2'), '/my-path')
  // spec/02-integration/05-proxy/10-balancer/03-consistent-hashing_spec.lua:351
  t.equal(hashed({ hash_on: 'header', hash_on_header: 'my-nonexistent-header', hash_fallback: 'path' }, '/my-path?a=1&b=2'), '/my-path')

  // spec/02-integration/05-proxy/10-balancer/03-consistent-hashing_spec.lua:361
  const captured = { namespace: 'foo', id: '123' }
  t.equal(hashed({ hash_on: 'uri_capture', hash_on_uri_capture: 'namespace' }, '/foo/123', captured), 'foo')
  t.equal(hashed({ hash_on: 'uri_capture', hash_on_uri_capture: 'id' }, '/foo/123', captured), '123')
  // spec/02-integration/05-proxy/10-balancer/03-consistent-hashing_spec.lua:373
  t.equal(hashed({ hash_on: 'uri_capture', hash_on_uri_capture: 'namespace' }, '/'), undefined)
  // spec/02-integration/05-proxy/10-balancer/03-consistent-hashing_spec.lua:380
  t.equal(hashed({ hash_on: 'uri_capture', hash_on_uri_capture: 'namespace', hash_fallback: 'query_arg', hash_fallback_query_arg: 'test' }, '/?test=1'), '1')
  // spec/02-integration/05-proxy/10-balancer/03-consistent-hashing_spec.lua:389
  t.equal(
    hashed(
      { hash_on: 'query_arg', hash_on_query_arg: 'hashme', hash_fallback: 'uri_capture', hash_fallback_uri_capture: 'namespace' },
      '/my-namespace/123?a=1&b=2',
      { namespace: 'my-namespace' },
    ),
    'my-namespace',
  )

  const arg = (uri: string, name = 'hashme') => hashed({ hash_on: 'query_arg', hash_on_query_arg: name }, uri)
  // spec/02-integration/05-proxy/10-balancer/03-consistent-hashing_spec.lua:400
  t.equal(arg('/?hashme=123'), '123')
  // spec/02-integration/05-proxy/10-balancer/03-consistent-hashing_spec.lua:407
  t.equal(arg('/'), undefined)
  // spec/02-integration/05-proxy/10-balancer/03-consistent-hashing_spec.lua:414
  t.equal(arg('/?hashme'), 'true', 'a bare argument is "true"')
  // spec/02-integration/05-proxy/10-balancer/03-consistent-hashing_spec.lua:421 (Kong's plugin shows "" as NONE)
  t.equal(arg('/?foo=', 'foo'), '')
  // spec/02-integration/05-proxy/10-balancer/03-consistent-hashing_spec.lua:428
  t.equal(
    hashed({ hash_on: 'query_arg', hash_on_query_arg: 'absent', hash_fallback: 'query_arg', hash_fallback_query_arg: 'fallback' }, '/?fallback=123'),
    '123',
  )
  // spec/02-integration/05-proxy/10-balancer/03-consistent-hashing_spec.lua:437
  t.equal(arg('/?foo=b&foo=a&foo=c', 'foo'), 'a,b,c', 'sorted and joined')
  // spec/02-integration/05-proxy/10-balancer/03-consistent-hashing_spec.lua:444
  t.equal(arg('/?foo=s&foo&foo=1&foo=', 'foo'), ',1,s,true')
  // spec/02-integration/05-proxy/10-balancer/03-consistent-hashing_spec.lua:454
  t.equal(arg('/?foo&foo&', 'foo'), 'true,true')
  // spec/02-integration/05-proxy/10-balancer/03-consistent-hashing_spec.lua:461
  const names = ['{}', '\r\n', '.', '-----', '-1', '()', '&', '=', '//', '[]', '$', '@', '++', ';', "'", '"', '*', ',', '#', ' ', '%', '???']
  names.forEach((name, i) => {
    const escaped = encodeURIComponent(name).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    t.equal(arg(`/?${escaped}=${i + 1}`, name), String(i + 1), `escaped name ${JSON.stringify(name)}`)
  })
})

/** Which target each of `n` requests with these headers reached. */
async function hits(url: string, n: number, headers: Record<string, string>): Promise<Set<string>> {
  const seen = new Set<string>()
  for (let i = 0; i < n; i++) seen.add((await fetchRaw(`${url}/`, { headers })).json().name as string)
  return seen
}

t.test('one hash value, one target', async (t) => {
  const a = await startUpstream('a')
  const b = await startUpstream('b')

  // spec/02-integration/05-proxy/10-balancer/03-consistent-hashing_spec.lua:150
  const missing = await balancedGateway(t, [a, b], 'hash_on: header\nhash_on_header: hashme')
  t.equal((await hits(missing.url, 12, { nothashme: 'just a value' })).size, 1, 'a missing header hashes "": every request on one target')

  // spec/02-integration/05-proxy/10-balancer/03-consistent-hashing_spec.lua:112
  const pascal = await balancedGateway(t, [a, b], 'hash_on: header\nhash_on_header: X-LB-Hash')
  t.equal((await hits(pascal.url, 12, { 'X-LB-Hash': '1st value' })).size, 1)
})

t.test('hashing on cookie', async (t) => {
  const a = await startUpstream('a')
  const gw = await balancedGateway(t, [a], 'hash_on: cookie\nhash_on_cookie: hashme')
  // spec/02-integration/05-proxy/10-balancer/03-consistent-hashing_spec.lua:189
  const kept = await fetchRaw(`${gw.url}/`, { headers: { cookie: 'hashme=some-cookie-value' } })
  t.equal(kept.headers['set-cookie'], undefined)
  // spec/02-integration/05-proxy/10-balancer/03-consistent-hashing_spec.lua:222
  const set = await fetchRaw(`${gw.url}/`, { headers: { cookie: 'some-other-cooke=some-other-value' } })
  t.match(String(set.headers['set-cookie']), /^hashme=[0-9a-f-]{36}; Path=\/; Same-Site=Lax; HttpOnly$/)
})
