// The admin API shows references, never their values (issue 12, item 9): vault
// references and decK env templates as the file wrote them; http-log's
// http_endpoint user info, credential parameters and headers, request-callout's
// custom Authorization headers and every referenceable field redacted.
import t, { type Test } from 'tap'
import { fetchRaw, gateway, type TestGateway } from '../helpers/gateway.js'

const ENV = {
  CALLOUT_URL: 'http://127.0.0.1:9/x?token=tok-SECRET-9',
  LOG_HEADER: 'log-header-SECRET-8',
  REDIS_PASSWORD: 'redis-SECRET-7',
  DECK_MESSAGE: 'deck-SECRET-message-5',
  DECK_UPSTREAM_HOST: 'deck-upstream.internal',
}

const LITERALS = ['callout-SECRET-1', 'logpass-SECRET-2', 'qkey-SECRET-3', 'hdr-SECRET-4', 'proxy-SECRET-6', 'redis-literal-SECRET-10']

const yaml = `_format_version: "3.0"
services:
  - name: app
    host: \${{ env "DECK_UPSTREAM_HOST" }}
    routes:
      - name: app
        paths: [/app]
      - name: other
        paths: [/other]
plugins:
  - name: request-callout
    instance_name: callout
    route: other
    config:
      callouts:
        - name: c1
          request:
            url: "{vault://env/callout-url}"
            headers:
              custom:
                Authorization: Bearer callout-SECRET-1
                X-Trace: keep-me
            http_opts:
              proxy:
                http_proxy: http://proxyuser:proxy-SECRET-6@proxy.internal:3128
  - name: http-log
    instance_name: log
    route: other
    config:
      http_endpoint: "http://loguser:logpass-SECRET-2@127.0.0.1:9/logs?api_key=qkey-SECRET-3&format=json"
      headers:
        X-Log-Token: hdr-SECRET-4
        X-From-Vault: "{vault://env/log-header}"
  - name: rate-limiting
    instance_name: limit
    route: other
    config:
      minute: 10
      policy: local
      redis: { password: "{vault://env/redis-password}", username: redis-literal-SECRET-10 }
  - name: request-termination
    instance_name: stop
    route: app
    config: { status_code: 403, message: '\${{ env "DECK_MESSAGE" }}' }
`

async function start(t: Test): Promise<TestGateway> {
  const gw = await gateway(yaml, { adminListen: '127.0.0.1:0', env: ENV })
  t.teardown(() => gw.close())
  return gw
}

type PluginView = { instance_name: string; config: Record<string, unknown> }

t.test('no resolved or literal secret in /config, /plugins, /plugins/{name}, /services', async (t) => {
  const gw = await start(t)
  const stop = await fetchRaw(`${gw.url}/app`)
  t.equal(JSON.parse(stop.body).message, ENV.DECK_MESSAGE, 'the gateway runs on the resolved values')
  for (const path of ['/config', '/plugins', '/plugins/callout', '/plugins/log', '/plugins/limit', '/plugins/stop', '/services', '/services/app']) {
    const r = await fetchRaw(`${gw.adminUrl}${path}`)
    t.equal(r.status, 200, path)
    for (const secret of [...Object.values(ENV).filter((v) => v !== ENV.DECK_UPSTREAM_HOST), ...LITERALS])
      t.notOk(r.body.includes(secret), `${path}: no ${secret}`)
  }
})

t.test('references and env templates are shown as the file wrote them', async (t) => {
  const gw = await start(t)
  const plugins = (await fetchRaw(`${gw.adminUrl}/plugins`)).json<{ data: PluginView[] }>().data
  const by = (name: string) => plugins.find((p) => p.instance_name === name)!.config
  const callout = (by('callout').callouts as { request: Record<string, Record<string, unknown>> }[])[0]!.request
  t.equal(callout.url, '{vault://env/callout-url}', 'request-callout url: the reference')
  t.same(callout.headers!.custom, { Authorization: '<redacted>', 'X-Trace': 'keep-me' }, 'custom headers: the credential hidden, the rest shown')
  t.equal((callout.http_opts!.proxy as Record<string, unknown>).http_proxy, 'http://<redacted>@proxy.internal:3128')
  const log = by('log')
  t.equal(log.http_endpoint, 'http://<redacted>@127.0.0.1:9/logs?api_key=<redacted>&format=json', 'http_endpoint: user info and credential parameters hidden')
  t.same(log.headers, { 'X-Log-Token': '<redacted>', 'X-From-Vault': '{vault://env/log-header}' }, 'http-log headers: every value hidden, references shown')
  const redis = by('limit').redis as Record<string, unknown>
  t.equal(redis.password, '{vault://env/redis-password}')
  t.equal(redis.username, '<redacted>', 'a referenceable field holding a literal')
  t.equal(by('stop').message, '${{ env "DECK_MESSAGE" }}', 'a decK-substituted value: the template')
  const service = (await fetchRaw(`${gw.adminUrl}/services/app`)).json<Record<string, unknown>>()
  t.equal(service.host, '${{ env "DECK_UPSTREAM_HOST" }}')
  const config = (await fetchRaw(`${gw.adminUrl}/config`)).json<{ config: Record<string, unknown> }>().config
  t.notOk('sources' in config, 'where values came from is not itself shown')
  t.same(
    (config.plugins as PluginView[]).map((p) => p.config),
    plugins.map((p) => p.config),
    '/config shows the plugins as /plugins does',
  )
})
