// Kong's aws-lambda access spec (spec/03-plugins/27-aws-lambda/99-access_spec.lua) and
// request-util spec (06-request-util_spec.lua) through the real gateway, against a stand-in
// Lambda (test/helpers/aws-standins.ts) that checks every invocation's SigV4 signature with an
// independent verifier and answers as Kong's fixture functions do. The service behind a route is
// a real upstream that must never be reached: the function answers instead.
import t from 'tap'
import { stringify } from 'yaml'
import { fetchRaw, gateway, type TestGateway } from '../helpers/gateway.js'
import { pluginLines } from '../helpers/plugin-gateway.js'
import { startUpstream } from '../helpers/upstream.js'
import { startConnectProxy, startLambda, startSts } from '../helpers/aws-standins.js'
import type { Secret } from '../helpers/sigv4-verify.js'

const KEY = 'mock-key'
const SECRET = 'mock-secret'
const secrets = new Map<string, Secret>([[KEY, { secret: SECRET }]])

interface RouteSpec {
  host: string
  config: Record<string, unknown>
  service?: boolean
}

async function setup(
  t: { teardown(fn: () => Promise<void>): void },
  routes: RouteSpec[],
  lambdaOpts: { tls?: boolean } = {},
): Promise<{
  gw: TestGateway
  send: (host: string, path: string, opts?: { method?: string; headers?: Record<string, string>; body?: string }) => ReturnType<typeof fetchRaw>
  lambda: Awaited<ReturnType<typeof startLambda>>
  up: Awaited<ReturnType<typeof startUpstream>>
  lines: ReturnType<typeof pluginLines>['lines']
}> {
  const lambda = await startLambda({ secrets, ...lambdaOpts })
  const up = await startUpstream()
  const base = {
    host: '127.0.0.1',
    port: lambda.port,
    aws_key: KEY,
    aws_secret: SECRET,
    aws_region: 'us-east-1',
    ...(lambdaOpts.tls === false ? { disable_https: true } : {}),
  }
  const doc = {
    _format_version: '3.0',
    services: [
      {
        name: 'ignored',
        url: up.url,
        routes: routes
          .filter((r) => r.service)
          .map((r) => ({ name: r.host.replace(/\W/g, '-'), hosts: [r.host], plugins: [{ name: 'aws-lambda', config: { ...base, ...r.config } }] })),
      },
    ],
    routes: routes
      .filter((r) => !r.service)
      .map((r) => ({ name: r.host.replace(/\W/g, '-'), hosts: [r.host], paths: ['/'], plugins: [{ name: 'aws-lambda', config: { ...base, ...r.config } }] })),
  }
  const { lines, pluginLog } = pluginLines()
  const gw = await gateway(stringify(doc, { lineWidth: 0 }), { pluginLog })
  t.teardown(async () => {
    await gw.close()
    await lambda.close()
    await up.close()
  })
  const send = (host: string, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
    fetchRaw(`${gw.url}${path}`, { ...opts, headers: { host, ...opts.headers } })
  return { gw, send, lambda, up, lines }
}

const QUERY = '/get?key1=some_value1&key2=some_value2&key3=some_value3'

t.test('99-access: invoking functions', async (t) => {
  const fn = (name: string, more: Record<string, unknown> = {}) => ({ function_name: name, ...more })
  const { send, lambda, up, lines } = await setup(t, [
    { host: 'lambda.test', config: fn('kongLambdaTest') },
    { host: 'lambda_ignore_service.test', config: fn('kongLambdaTest'), service: true },
    { host: 'lambda2.test', config: fn('kongLambdaTest', { invocation_type: 'Event' }) },
    { host: 'lambda3.test', config: fn('kongLambdaTest', { invocation_type: 'DryRun' }) },
    { host: 'lambda5.test', config: fn('functionWithUnhandledError') },
    { host: 'lambda6.test', config: fn('functionWithUnhandledError', { invocation_type: 'Event' }) },
    { host: 'lambda7.test', config: fn('functionWithUnhandledError', { invocation_type: 'DryRun' }) },
    { host: 'lambda8.test', config: fn('functionWithUnhandledError', { unhandled_status: 412 }) },
    {
      host: 'lambda9.test',
      config: fn('kongLambdaTest', { forward_request_method: true, forward_request_uri: true, forward_request_headers: true, forward_request_body: true }),
    },
    {
      host: 'lambda10.test',
      config: fn('kongLambdaTest', { forward_request_method: true, forward_request_uri: false, forward_request_headers: true, forward_request_body: true }),
    },
    { host: 'lambda26.test', config: fn('functionWithEmptyArray', { empty_arrays_mode: 'legacy' }) },
    { host: 'lambda27.test', config: fn('functionWithEmptyArray', { empty_arrays_mode: 'correct' }) },
    { host: 'lambda28.test', config: fn('functionWithArrayCTypeInMVHAndEmptyArray', { empty_arrays_mode: 'legacy', is_proxy_integration: true }) },
    { host: 'qualified.test', config: fn('arn:aws:lambda:us-east-1:123456789012:function:my-function', { qualifier: 'prod', log_type: 'None' }) },
    { host: 'jsonecho.test', config: fn('jsonEcho') },
    { host: 'missing.test', config: fn('missing') },
    { host: 'null.test', config: fn('returnsNull') },
    { host: 'badkey.test', config: fn('kongLambdaTest', { aws_key: 'other-key', aws_secret: SECRET }) },
    { host: 'badsecret.test', config: fn('kongLambdaTest', { aws_secret: 'not-the-secret' }) },
  ])

  t.test('invokes a Lambda function with GET', async (t) => {
    // spec/03-plugins/27-aws-lambda/99-access_spec.lua:640
    const r = await send('lambda.test', QUERY)
    t.equal(r.status, 200)
    t.equal(r.json().key1, 'some_value1')
    t.type(r.headers['x-amzn-requestid'], 'string')
    t.equal(r.headers['x-amz-function-error'], undefined)
    const inv = lambda.last()!
    t.ok(inv.verified.ok, 'the stand-in verified the SigV4 signature')
    t.same(inv.verified.signedHeaders?.includes('x-amz-invocation-type'), true, 'the invocation type is signed')
    t.equal(inv.functionName, 'kongLambdaTest')
    t.equal(inv.invocationType, 'RequestResponse', 'default invocation_type')
    t.equal(inv.logType, 'Tail', 'default log_type')
    t.type(r.headers['x-amz-log-result'], 'string', "Lambda's log tail reaches the client")
    t.equal(r.headers['x-amz-executed-version'], '$LATEST')
  })

  t.test("ignores the route's service", async (t) => {
    // :655
    const r = await send('lambda_ignore_service.test', QUERY)
    t.equal(r.status, 200)
    t.equal(r.json().key1, 'some_value1')
    t.equal(up.requests.length, 0, 'the service is never called')
  })

  t.test('POST params, json body, query and body together', async (t) => {
    // :670
    const form = await send('lambda.test', '/post', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'key1=some_value_post1&key2=some_value_post2&key3=some_value_post3',
    })
    t.equal(form.status, 200)
    t.equal(form.json().key1, 'some_value_post1')
    // :690
    const js = await send('lambda.test', '/post', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"key1":"some_value_json1","key2":"x"}',
    })
    t.equal(js.json().key1, 'some_value_json1')
    // :710 passes empty json arrays unmodified
    const arrays = await send('lambda.test', '/post', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[{}, []]' })
    t.equal(arrays.body.replace(/\n/g, ''), '[{},[]]')
    // :724 the body's arguments over the query's
    const both = await send('lambda.test', '/post?key1=from_querystring', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'key2=some_value_post2&key3=some_value_post3',
    })
    t.equal(both.json().key1, 'from_querystring')
    t.equal(both.json().key2, 'some_value_post2')
  })

  t.test('forward_request_*: xml, json, text and binary bodies', async (t) => {
    // :743
    const xml = await send('lambda9.test', '/post?key1=from_querystring', {
      method: 'POST',
      headers: { 'content-type': 'application/xml', 'custom-header': 'someheader' },
      body: '<xml/>',
    })
    t.equal(xml.status, 200)
    const b = xml.json<Record<string, any>>()
    t.equal(b.request_method, 'POST')
    t.equal(b.request_uri, '/post?key1=from_querystring')
    t.same(b.request_uri_args, { key1: 'from_querystring' })
    t.equal(b.request_headers['custom-header'], 'someheader')
    t.equal(b.request_headers.host, 'lambda9.test')
    t.equal(b.request_body, '<xml/>')
    t.same(b.request_body_args, {})
    // :774 no request_uri when forward_request_uri is off; a JSON body's arguments
    const js = (
      await send('lambda10.test', '/post?key1=from_querystring', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'custom-header': 'someheader' },
        body: '{"key2":"some_value"}',
      })
    ).json<Record<string, any>>()
    t.equal(js.request_method, 'POST')
    t.equal(js.request_uri, undefined)
    t.equal(js.request_uri_args, undefined)
    t.equal(js.request_headers.host, 'lambda10.test')
    t.equal(js.request_body_args.key2, 'some_value')
    // :805 text/plain stays text
    const txt = (
      await send('lambda9.test', '/post?key1=from_querystring', {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'custom-header': 'someheader' },
        body: 'some text',
      })
    ).json<Record<string, any>>()
    t.equal(txt.request_body, 'some text')
    t.equal(txt.request_body_base64, undefined)
    t.same(txt.request_body_args, {})
    // :837 an unknown type is base64-encoded
    const bin = (
      await send('lambda9.test', '/post?key1=from_querystring', {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', 'custom-header': 'someheader' },
        body: '01234',
      })
    ).json<Record<string, any>>()
    t.equal(bin.request_body, Buffer.from('01234').toString('base64'))
    t.equal(bin.request_body_base64, true)
    t.same(bin.request_body_args, {})
  })

  t.test('Event and DryRun invocation types', async (t) => {
    // :869, :887
    const ev = await send('lambda2.test', '/post', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'key1=v' })
    t.equal(ev.status, 202)
    t.type(ev.headers['x-amzn-requestid'], 'string')
    t.equal(lambda.last()!.invocationType, 'Event')
    const dry = await send('lambda3.test', '/post', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'key1=v' })
    t.equal(dry.status, 204)
    t.equal(lambda.last()!.invocationType, 'DryRun')
  })

  t.test('unhandled function errors', async (t) => {
    // :916 no unhandled_status: Lambda's 200, with its header
    const plain = await send('lambda5.test', QUERY)
    t.equal(plain.status, 200)
    t.equal(plain.headers['x-amz-function-error'], 'Unhandled')
    // :928, :940
    t.equal((await send('lambda6.test', QUERY)).status, 202)
    const dry = await send('lambda7.test', QUERY)
    t.equal(dry.status, 204)
    t.equal(dry.headers['x-amz-function-error'], 'Unhandled')
    // :952 unhandled_status
    const set = await send('lambda8.test', QUERY)
    t.equal(set.status, 412)
    t.equal(set.headers['x-amz-function-error'], 'Unhandled')
  })

  t.test("Kong's headers: Via, Server, Content-Length", async (t) => {
    // :964 Kong's Via names HTTP/2 (see the README)
    const r = await send('lambda.test', QUERY)
    t.match(r.headers.via, /^2 kong\/\d/)
    t.match(r.headers.server, /^kong\//)
    // :978 Kong's fixture echoes the payload with a newline: 64 bytes of JSON and '\n'
    t.equal(Number(r.headers['content-length']), 65)
    t.equal(r.body.length, 65)
  })

  t.test('empty arrays: legacy and correct', async (t) => {
    // :1007
    t.match((await send('lambda26.test', '/get')).body, '"testbody":{}')
    t.match((await send('lambda27.test', '/get')).body, '"testbody":[]')
    // :1031 a multiValueHeaders Content-Type (a list) is read too
    const mvh = await send('lambda28.test', '/get')
    t.equal(mvh.status, 200)
    t.equal(mvh.headers['content-type'], 'application/json+test')
    t.equal(mvh.body, '{"key": "value", "key2": []}', 'a proxy body is never re-encoded')
  })

  t.test('a JSON answer is decoded and sent re-encoded, as cjson writes it', async (t) => {
    const r = await send('jsonecho.test', '/p?url=http://x/y&n=1')
    t.equal(r.status, 200)
    t.equal(r.headers['content-type'], 'application/json')
    t.equal(r.body, '{"url":"http:\\/\\/x\\/y","n":"1"}')
  })

  t.test('an ARN function name and a qualifier', async (t) => {
    const r = await send('qualified.test', '/')
    t.equal(r.status, 200)
    const inv = lambda.last()!
    t.equal(inv.functionName, 'arn:aws:lambda:us-east-1:123456789012:function:my-function')
    t.match(inv.url, /^\/2015-03-31\/functions\/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Amy-function\/invocations\?Qualifier=prod$/)
    t.equal(inv.qualifier, 'prod')
    t.equal(inv.logType, 'None')
    t.ok(inv.verified.ok, 'an escaped path and a query verify')
    t.equal(r.headers['x-amz-log-result'], undefined, 'no log tail asked')
    t.equal(r.headers['x-amz-executed-version'], 'prod')
  })

  t.test("Lambda's errors are Kong's 500", async (t) => {
    // handler.lua: status >= 400 → error(content.Message)
    const missing = await send('missing.test', '/')
    t.equal(missing.status, 500)
    t.equal(missing.json().message, 'An unexpected error occurred')
    t.ok(
      lines.some((l) => l.plugin === 'aws-lambda' && l.msg === 'Function not found: missing'),
      "Lambda's message is logged",
    )
    const refused = await send('badkey.test', '/')
    t.equal(refused.status, 500, 'a signature Lambda refuses (unknown key)')
    t.equal(lambda.refused.at(-1), 'unknown access key other-key')
    const forged = await send('badsecret.test', '/')
    t.equal(forged.status, 500, 'a signature made with the wrong secret')
    t.equal(lambda.refused.at(-1), 'signature mismatch', 'the stand-in recomputed it and refused')
    // A JSON null (a function that returns nothing) is no body Kong's exit takes.
    t.equal((await send('null.test', '/')).status, 500)
    t.notOk(
      lines.some((l) => JSON.stringify(l).includes(SECRET)),
      'the secret never reaches a log line',
    )
  })
})

t.test('99-access: is_proxy_integration', async (t) => {
  const pi = (name: string) => ({ function_name: name, is_proxy_integration: true })
  const { send } = await setup(t, [
    { host: 'lambda11.test', config: pi('kongLambdaTest') },
    { host: 'lambda12.test', config: pi('functionWithBadJSON') },
    { host: 'lambda13.test', config: pi('functionWithNoResponse') },
    { host: 'lambda16.test', config: pi('functionWithBase64EncodedResponse') },
    { host: 'lambda17.test', config: pi('functionWithMultiValueHeadersResponse') },
    { host: 'lambda22.test', config: pi('functionWithIllegalBase64EncodedResponse') },
    { host: 'lambda23.test', config: pi('functionWithNotBase64EncodedResponse') },
    { host: 'lambda24.test', config: pi('functionWithTransferEncodingHeader') },
    { host: 'lambda29.test', config: pi('functionWithNullMultiValueHeaders') },
  ])
  const post = (host: string, body: unknown) =>
    send(host, '/post', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

  t.test('status, headers and body of the custom response', async (t) => {
    // :1052
    const bare = await post('lambda11.test', { statusCode: 201 })
    t.equal(bare.status, 201)
    t.equal(Number(bare.headers['content-length']), 0)
    t.equal(bare.headers['x-custom-header'], undefined)
    t.equal(bare.body, '')
    // :1070
    const inner = JSON.stringify({ key1: 'some_value_post1', key2: 'some_value_post2', key3: 'some_value_post3' })
    const full = await post('lambda11.test', { statusCode: 201, body: inner, headers: { 'X-Custom-Header': 'Hello world!' } })
    t.equal(full.status, 201)
    t.equal(Number(full.headers['content-length']), 79)
    t.equal(full.headers['x-custom-header'], 'Hello world!')
    t.equal(full.body, inner)
    // :1101 the function's header wins over Lambda's
    const dup = await post('lambda11.test', { statusCode: 201, headers: { 'x-amzn-RequestId': 'bar' } })
    t.equal(dup.headers['x-amzn-requestid'], 'bar')
    // :1180 a null multiValueHeaders is no error
    const nul = await post('lambda11.test', { statusCode: 201, body: 'test', multiValueHeaders: null })
    t.equal(nul.status, 201)
    t.equal(nul.body, 'test')
  })

  t.test("Kong's 502 for shapes it cannot read", async (t) => {
    // :1125, :1143, :1161
    for (const [body, why] of [
      [{ statusCode: 'hello' }, 'statusCode validation failed'],
      [{ headers: 'hello' }, 'statusCode validation failed'],
      [{ statusCode: 201, headers: 'hello' }, 'headers must be a table'],
      [{ statusCode: 201, body: 1234 }, 'body must be a string'],
    ] as const) {
      const r = await post('lambda11.test', body)
      t.equal(r.status, 502, JSON.stringify(body))
      t.same(r.json(), { message: 'Bad Gateway', error: `could not JSON decode Lambda function response: ${why}` })
    }
    // :1199 not JSON; :1213 empty
    const bad = await send('lambda12.test', '/post', { method: 'POST' })
    t.equal(bad.status, 502)
    t.equal(bad.json().message, 'Bad Gateway')
    const empty = await send('lambda13.test', '/post', { method: 'POST' })
    t.equal(empty.status, 502)
    t.equal(empty.json().message, 'Bad Gateway')
    t.equal(empty.json().error, 'could not JSON decode Lambda function response: Expected value but found T_END at character 1')
    // :1254
    const illegal = await send('lambda22.test', QUERY)
    t.equal(illegal.status, 502)
    t.match(illegal.body, 'isBase64Encoded must be a boolean')
  })

  t.test('base64 bodies, multi-value headers, hop-by-hop headers', async (t) => {
    // :1242
    const b64 = await send('lambda16.test', QUERY)
    t.equal(b64.status, 200)
    t.equal(b64.body, 'test')
    // :1266
    const raw = await send('lambda23.test', QUERY)
    t.equal(raw.body, 'dGVzdA=')
    // :1278
    const mvh = await send('lambda17.test', QUERY)
    t.equal(mvh.headers.age, '3600')
    t.same(mvh.headers['access-control-allow-origin'], ['site1.com', 'site2.com'])
    // :1347
    const te = await send('lambda24.test', '/get')
    t.equal(te.status, 200)
    t.equal(te.headers['transfer-encoding'], undefined)
    // functionWithNullMultiValueHeaders is Kong's echo: not a proxy response
    t.equal((await send('lambda29.test', '/get')).status, 502)
  })
})

t.test('99-access: region, host and endpoint', async (t) => {
  const lambda = await startLambda({ secrets })
  const proxy = await startConnectProxy(lambda.port)
  const doc = {
    _format_version: '3.0',
    routes: [
      // :18 no region, no AWS_REGION: Kong's 500 even with a host
      {
        name: 'r18',
        hosts: ['lambda18.test'],
        plugins: [{ name: 'aws-lambda', config: { host: '127.0.0.1', port: lambda.port, aws_key: KEY, aws_secret: SECRET, function_name: 'x' } }],
      },
      // :21 through a forward proxy: lambda.us-east-1.amazonaws.com over CONNECT
      {
        name: 'r21',
        hosts: ['lambda21.test'],
        plugins: [
          {
            name: 'aws-lambda',
            config: { aws_key: KEY, aws_secret: SECRET, aws_region: 'us-east-1', function_name: 'functionEcho', proxy_url: proxy.url, keepalive: 1 },
          },
        ],
      },
    ],
  }
  delete process.env.AWS_REGION
  delete process.env.AWS_DEFAULT_REGION
  const { lines, pluginLog } = pluginLines()
  const gw = await gateway(stringify(doc), { pluginLog })
  t.teardown(async () => {
    await gw.close()
    await proxy.close()
    await lambda.close()
  })
  const send = (host: string, path: string) => fetchRaw(`${gw.url}${path}`, { headers: { host } })

  t.test('fails when no region is set and no host is provided', async (t) => {
    // :1292
    const r = await send('lambda18.test', '/get?key1=some_value1')
    t.equal(r.status, 500)
    t.ok(lines.some((l) => l.msg === 'no region specified'))
  })

  t.test('the region names the endpoint; works with a forward proxy', async (t) => {
    // :1333
    const r = await send('lambda21.test', '/get?a=1&b=2')
    t.equal(r.status, 200)
    const req = r.json<{ vars: { scheme: string }; headers: Record<string, string> }>()
    t.equal(req.vars.scheme, 'https')
    t.same(proxy.connects, ['lambda.us-east-1.amazonaws.com:443'], 'the proxy was asked for the regional endpoint')
    t.equal(req.headers.host, 'lambda.us-east-1.amazonaws.com', 'and the signed Host is it')
    t.ok(lambda.last()!.verified.ok)
  })
})

t.test('99-access: AWS_REGION from the environment', async (t) => {
  // :1386 use ENV value when no region nor host is set (here with a host: there is no DNS to mock)
  process.env.AWS_REGION = 'us-east-1'
  t.teardown(() => {
    delete process.env.AWS_REGION
  })
  const { send } = await setup(t, [
    { host: 'lambda19.test', config: { aws_region: undefined, function_name: 'functionWithMultiValueHeadersResponse', is_proxy_integration: true } },
  ])
  const r = await send('lambda19.test', '/get?key1=some_value1')
  t.equal(r.status, 200)
  t.equal(r.headers.age, '3600')
  t.same(r.headers['access-control-allow-origin'], ['site1.com', 'site2.com'])
})

t.test('credentials from the environment, and an assumed role', async (t) => {
  const envSecrets = new Map<string, Secret>([
    ['ENVKEY', { secret: 'env-secret', token: 'env-token' }],
    ['ASIATEMP', { secret: 'temp-secret', token: 'temp-token' }],
  ])
  const lambda = await startLambda({ secrets: envSecrets, tls: false })
  const roleArn = 'arn:aws:iam::123456789012:role/invoker'
  const sts = await startSts({ secrets: envSecrets, roleArn, issue: { accessKeyId: 'ASIATEMP', secret: 'temp-secret', token: 'temp-token' } })
  process.env.AWS_ACCESS_KEY_ID = 'ENVKEY'
  process.env.AWS_SECRET_ACCESS_KEY = 'env-secret'
  process.env.AWS_SESSION_TOKEN = 'env-token'
  const base = { host: '127.0.0.1', port: lambda.port, disable_https: true, aws_region: 'us-east-1', function_name: 'jsonEcho' }
  const doc = {
    _format_version: '3.0',
    routes: [
      { name: 'env', hosts: ['env.test'], plugins: [{ name: 'aws-lambda', config: base }] },
      {
        name: 'role',
        hosts: ['role.test'],
        plugins: [{ name: 'aws-lambda', config: { ...base, aws_assume_role_arn: roleArn, aws_role_session_name: 'gw', aws_sts_endpoint_url: sts.url } }],
      },
      {
        name: 'norole',
        hosts: ['norole.test'],
        plugins: [{ name: 'aws-lambda', config: { ...base, aws_assume_role_arn: 'arn:aws:iam::1:role/other', aws_sts_endpoint_url: sts.url } }],
      },
    ],
  }
  const gw = await gateway(stringify(doc))
  t.teardown(async () => {
    delete process.env.AWS_ACCESS_KEY_ID
    delete process.env.AWS_SECRET_ACCESS_KEY
    delete process.env.AWS_SESSION_TOKEN
    await gw.close()
    await sts.close()
    await lambda.close()
  })
  const send = (host: string) => fetchRaw(`${gw.url}/`, { headers: { host } })

  const env = await send('env.test')
  t.equal(env.status, 200)
  t.equal(lambda.last()!.verified.accessKeyId, 'ENVKEY', 'AWS_ACCESS_KEY_ID signs when the config has no key')
  t.equal(lambda.last()!.headers['x-amz-security-token'], 'env-token', 'with AWS_SESSION_TOKEN')

  const role = await send('role.test')
  t.equal(role.status, 200)
  t.equal(sts.calls.length, 1)
  t.ok(sts.calls[0]!.verified.ok, 'AssumeRole is signed for sts with the base credentials')
  t.equal(sts.calls[0]!.form.get('RoleSessionName'), 'gw')
  t.equal(lambda.last()!.verified.accessKeyId, 'ASIATEMP', "the role's temporary credentials sign the invocation")
  t.equal(lambda.last()!.headers['x-amz-security-token'], 'temp-token')
  await send('role.test')
  t.equal(sts.calls.length, 1, 'the temporary credentials are kept until they near their expiration')

  const denied = await send('norole.test')
  t.equal(denied.status, 500, 'a role STS refuses: no invocation')
})

t.test('06-request-util: skip_large_bodies and base64_encode_body', async (t) => {
  const { send, lines } = await setup(t, [
    { host: 'plain.skipfile.test', config: { function_name: 'kongLambdaTest', forward_request_body: true, skip_large_bodies: true } },
    { host: 'plain.readfile.test', config: { function_name: 'kongLambdaTest', forward_request_body: true, skip_large_bodies: false } },
    { host: 'gw.skipfile.test', config: { function_name: 'kongLambdaTest', awsgateway_compatible: true, forward_request_body: true, skip_large_bodies: true } },
    {
      host: 'gw.readfile.test',
      config: { function_name: 'kongLambdaTest', awsgateway_compatible: true, forward_request_body: true, skip_large_bodies: false },
    },
    { host: 'base.sixtyfour.test', config: { function_name: 'kongLambdaTest', forward_request_body: true, skip_large_bodies: false } },
    {
      host: 'notbase.sixtyfour.test',
      config: { function_name: 'kongLambdaTest', forward_request_body: true, skip_large_bodies: false, base64_encode_body: false },
    },
  ])
  const big = 'a'.repeat(32 * 1024)
  const small = 'a'.repeat(1024)
  const skipped = () => lines.filter((l) => l.msg === 'request body was buffered to disk, too large').length
  const get = (host: string, body: string) => send(host, QUERY, { body })

  // spec/03-plugins/27-aws-lambda/06-request-util_spec.lua:175
  let r = await get('plain.skipfile.test', big)
  t.equal(r.status, 200)
  t.equal(r.json().request_body, '', 'a body nginx would spool to disk is left out')
  t.equal(skipped(), 1)
  // :193
  r = await get('plain.skipfile.test', small)
  t.equal(r.json().request_body, Buffer.from(small).toString('base64'))
  t.equal(skipped(), 1)
  // :216, :234
  t.equal((await get('plain.readfile.test', big)).json().request_body, Buffer.from(big).toString('base64'))
  t.equal((await get('plain.readfile.test', small)).json().request_body, Buffer.from(small).toString('base64'))
  // :260
  r = await get('gw.skipfile.test', big)
  t.equal(r.json().body, '')
  t.equal(skipped(), 2)
  // :278, :301, :319
  t.equal((await get('gw.skipfile.test', small)).json().body, Buffer.from(small).toString('base64'))
  t.equal((await get('gw.readfile.test', big)).json().body, Buffer.from(big).toString('base64'))
  t.equal((await get('gw.readfile.test', small)).json().body, Buffer.from(small).toString('base64'))
  t.equal(skipped(), 2)
  // :343, :359
  t.equal((await get('base.sixtyfour.test', 'encodemeplease')).json().request_body, Buffer.from('encodemeplease').toString('base64'))
  t.equal((await get('notbase.sixtyfour.test', 'donotencodemeplease')).json().request_body, 'donotencodemeplease')
})

t.test('errors on connection timeout', async (t) => {
  // 99-access_spec.lua:905 (timeout = 100; the stand-in never answers)
  const { createServer } = await import('node:net')
  const held: import('node:net').Socket[] = []
  const silent = createServer((s) => held.push(s))
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  const port = (silent.address() as { port: number }).port
  const doc = {
    _format_version: '3.0',
    routes: [
      {
        name: 'r4',
        hosts: ['lambda4.test'],
        plugins: [
          {
            name: 'aws-lambda',
            config: {
              host: '127.0.0.1',
              port,
              disable_https: true,
              aws_key: KEY,
              aws_secret: SECRET,
              aws_region: 'us-east-1',
              function_name: 'x',
              timeout: 100,
            },
          },
        ],
      },
    ],
  }
  const gw = await gateway(stringify(doc))
  t.teardown(async () => {
    await gw.close()
    for (const s of held) s.destroy()
    await new Promise<void>((resolve) => silent.close(() => resolve()))
  })
  const r = await fetchRaw(`${gw.url}${QUERY}`, { headers: { host: 'lambda4.test' } })
  t.equal(r.status, 500)
})

t.test("With latency: the wait on Lambda is the log's proxy latency", async (t) => {
  // spec/03-plugins/27-aws-lambda/99-access_spec.lua:1421
  const lambda = await startLambda({ secrets, tls: false })
  const logs = await startUpstream('log')
  const doc = {
    _format_version: '3.0',
    routes: [
      {
        name: 'r25',
        hosts: ['lambda25.test'],
        plugins: [
          {
            name: 'aws-lambda',
            config: {
              host: '127.0.0.1',
              port: lambda.port,
              disable_https: true,
              aws_key: KEY,
              aws_secret: SECRET,
              aws_region: 'us-east-1',
              function_name: 'functionWithLatency',
            },
          },
          { name: 'http-log', config: { http_endpoint: logs.url, queue: { max_coalescing_delay: 0.01 } } },
        ],
      },
    ],
  }
  const gw = await gateway(stringify(doc))
  t.teardown(async () => {
    await gw.close()
    await logs.close()
    await lambda.close()
  })
  const r = await fetchRaw(`${gw.url}/get`, { headers: { host: 'lambda25.test' } })
  t.equal(r.status, 200)
  for (let i = 0; i < 200 && logs.requests.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50))
  const entry = JSON.parse(logs.requests[0]!.body) as { latencies: { kong: number; proxy: number; request: number } }
  t.ok(entry.latencies.proxy >= 300, 'proxy: the time spent waiting on Lambda')
  t.ok(entry.latencies.kong < entry.latencies.proxy, "kong: the gateway's own time, without the wait")
})
