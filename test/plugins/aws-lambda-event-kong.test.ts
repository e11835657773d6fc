// Kong's aws-gateway serializer spec (spec/03-plugins/27-aws-lambda/05-aws-serializer_spec.lua)
// through the real gateway: the API Gateway event a function receives under
// awsgateway_compatible, read back from the stand-in Lambda (which verified its signature).
// Format 2.0 (Kong Enterprise's awsgateway_compatible_payload_version) is checked against
// AWS's documented HTTP API event.
import t from 'tap'
import { stringify } from 'yaml'
import { request } from 'undici'
import { gateway } from '../helpers/gateway.js'
import { startLambda } from '../helpers/aws-standins.js'
import type { Secret } from '../helpers/sigv4-verify.js'

const secrets = new Map<string, Secret>([['mock-key', { secret: 'mock-secret' }]])

t.test('05-aws-serializer', async (t) => {
  const lambda = await startLambda({ secrets, tls: false })
  const conf = (more: Record<string, unknown>) => ({
    host: '127.0.0.1',
    port: lambda.port,
    disable_https: true,
    aws_key: 'mock-key',
    aws_secret: 'mock-secret',
    aws_region: 'us-east-1',
    function_name: 'jsonEcho',
    awsgateway_compatible: true,
    ...more,
  })
  const doc = {
    _format_version: '3.0',
    routes: [
      {
        name: 'regex',
        hosts: ['abc.myhost.test'],
        paths: ['~/(?<version>\\d+)/strip'],
        strip_path: false,
        plugins: [{ name: 'aws-lambda', config: conf({}) }],
      },
      { name: 'plain', hosts: ['def.myhost.test'], paths: ['/plain/strip'], strip_path: false, plugins: [{ name: 'aws-lambda', config: conf({}) }] },
      {
        name: 'v2',
        hosts: ['v2.myhost.test'],
        paths: ['~/(?<version>\\d+)/strip'],
        strip_path: false,
        plugins: [{ name: 'aws-lambda', config: conf({ awsgateway_compatible_payload_version: '2.0' }) }],
      },
      {
        name: 'raw',
        hosts: ['raw.myhost.test'],
        paths: ['/plain/strip'],
        strip_path: false,
        plugins: [{ name: 'aws-lambda', config: conf({ base64_encode_body: false }) }],
      },
    ],
  }
  const gw = await gateway(stringify(doc))
  t.teardown(async () => {
    await gw.close()
    await lambda.close()
  })
  const send = async (host: string, path: string, headers: Record<string, string | string[]>, body?: string) => {
    const before = Date.now()
    const r = await request(`${gw.url}${path}`, { method: body === undefined ? 'GET' : 'POST', headers: { host, ...headers }, body })
    const text = await r.body.text()
    t.equal(r.statusCode, 200, text)
    return { event: JSON.parse(text) as Record<string, any>, before }
  }
  const QUERY = '?boolean&multi-query=first&single-query=hello%20world&multi-query=second'
  const HEADERS = { 'single-header': 'hello world', 'multi-header': ['first', 'second'], 'user-agent': 'curl/7.54.0' }

  t.test('serializes a request regex', async (t) => {
    // spec/03-plugins/27-aws-lambda/05-aws-serializer_spec.lua:52
    const { event, before } = await send('abc.myhost.test', `/123/strip/more${QUERY}`, HEADERS, 'text')
    t.match(event, {
      version: '1.0',
      httpMethod: 'POST',
      path: '/123/strip/more',
      resource: '/(?<version>\\d+)/strip',
      pathParameters: { version: '123' },
      isBase64Encoded: true,
      body: Buffer.from('text').toString('base64'),
      headers: { 'multi-header': 'first', 'single-header': 'hello world', 'user-agent': 'curl/7.54.0' },
      multiValueHeaders: { 'multi-header': ['first', 'second'], 'single-header': ['hello world'], 'user-agent': ['curl/7.54.0'] },
      queryStringParameters: { boolean: true, 'multi-query': 'first', 'single-query': 'hello world' },
      multiValueQueryStringParameters: { boolean: [true], 'multi-query': ['first', 'second'], 'single-query': ['hello world'] },
      requestContext: {
        path: '/123/strip/more',
        protocol: 'HTTP/1.1',
        httpMethod: 'POST',
        domainName: 'abc.myhost.test',
        domainPrefix: 'abc',
        identity: { sourceIp: '127.0.0.1', userAgent: 'curl/7.54.0' },
        resourcePath: '/123/strip/more',
      },
    })
    t.same(Object.keys(event.pathParameters), ['version'], 'named captures only')
    t.match(event.requestContext.requestId, /^[0-9a-f]{32}$|^[0-9a-f-]{36}$/, "the gateway's request id")
    const epoch = event.requestContext.requestTimeEpoch as number
    t.ok(epoch >= before - 1000 && epoch <= Date.now(), 'requestTimeEpoch: when the request started (ms)')
    t.match(event.requestContext.requestTime, /^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/, 'the CLF time')
    t.ok(lambda.last()!.verified.ok)
  })

  t.test('serializes a request no-regex', async (t) => {
    // :135
    const { event } = await send('def.myhost.test', `/plain/strip/more${QUERY}`, HEADERS, 'text')
    t.match(event, {
      path: '/plain/strip/more',
      resource: '/plain/strip',
      pathParameters: {},
      isBase64Encoded: true,
      body: Buffer.from('text').toString('base64'),
    })
    t.same(event.pathParameters, {})
  })

  t.test('serializes a request with each body type', async (t) => {
    // :212 none, application/json, unknown: all base64
    for (const ct of [undefined, 'application/json', 'some-unknown-type-description']) {
      const body = ct === 'application/json' ? '{ "text": "some text" }' : 'text'
      const { event } = await send('def.myhost.test', '/plain/strip/more', ct ? { 'content-type': ct } : {}, body)
      t.equal(event.body, Buffer.from(body).toString('base64'), String(ct))
      t.equal(event.isBase64Encoded, true)
      t.same(event.queryStringParameters, {})
      t.same(event.multiValueQueryStringParameters, {})
      if (ct) t.same(event.multiValueHeaders['content-type'], [ct])
    }
  })

  t.test('base64_encode_body false sends the body as it is', async (t) => {
    const { event } = await send('raw.myhost.test', '/plain/strip/more', {}, 'text')
    t.equal(event.body, 'text')
    t.equal(event.isBase64Encoded, false)
  })

  t.test('payload format 2.0', async (t) => {
    const { event } = await send('v2.myhost.test', `/123/strip/more${QUERY}`, { ...HEADERS, cookie: 'a=1; b=2' }, 'text')
    t.match(event, {
      version: '2.0',
      routeKey: '/(?<version>\\d+)/strip',
      rawPath: '/123/strip/more',
      rawQueryString: QUERY.slice(1),
      cookies: ['a=1', 'b=2'],
      headers: { 'multi-header': 'first,second', 'single-header': 'hello world', 'user-agent': 'curl/7.54.0' },
      queryStringParameters: { boolean: '', 'multi-query': 'first,second', 'single-query': 'hello world' },
      pathParameters: { version: '123' },
      requestContext: {
        domainName: 'v2.myhost.test',
        domainPrefix: 'v2',
        http: { method: 'POST', path: '/123/strip/more', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'curl/7.54.0' },
        stage: '$default',
      },
      body: Buffer.from('text').toString('base64'),
      isBase64Encoded: true,
    })
    t.equal(event.headers.cookie, undefined, 'cookies are apart from the headers')
    t.equal(event.multiValueHeaders, undefined, 'no 1.0 fields')
  })
})
