// Stand-ins for the AWS services the aws-lambda plugin calls (the real ones
// are on the internet): a Lambda Invoke endpoint and STS AssumeRole, each a
// real HTTP(S) server on loopback that refuses what AWS would refuse (a bad
// SigV4 signature, checked by test/helpers/sigv4-verify.ts; a wrong path or
// header) and answers as AWS answers. The functions are the ones Kong's spec
// fixture defines (spec/fixtures/aws-lambda.lua), by name. An http forward
// proxy that tunnels CONNECT to the Lambda stand-in plays the DNS of
// lambda.<region>.amazonaws.com.
import { randomUUID } from 'node:crypto'
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttps } from 'node:https'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { defaultCertificate } from '../../src/server/default-certificate.js'
import { verifySigV4, type Secret, type Verified } from './sigv4-verify.js'

export interface Invocation {
  functionName: string
  qualifier: string | undefined
  invocationType: string | undefined
  logType: string | undefined
  headers: IncomingMessage['headers']
  url: string
  payload: string
  verified: Verified
}

export interface LambdaStandin {
  port: number
  url: string
  invocations: Invocation[]
  /** Why each refused signature was refused. */
  refused: string[]
  /** The last invocation (fails the caller's assertions when none). */
  last(): Invocation | undefined
  close(): Promise<void>
}

interface Answer {
  status?: number
  headers?: Record<string, string>
  body?: string
}

const json = (body: string): Answer => ({ headers: { 'content-type': 'application/json' }, body })

/** Kong's fixture functions, by name (spec/fixtures/aws-lambda.lua), given the payload. */
function fixtureFunction(name: string, payload: string, req: IncomingMessage): Answer | undefined {
  if (name.includes('functionWithBadJSON')) return { body: '{"foo":"bar"\n' }
  if (name.includes('functionWithNoResponse')) return { body: '' }
  if (name.includes('functionWithBase64EncodedResponse')) return json('{"statusCode": 200, "body": "dGVzdA==", "isBase64Encoded": true}\n')
  if (name.includes('functionWithNotBase64EncodedResponse')) return json('{"statusCode": 200, "body": "dGVzdA=", "isBase64Encoded": false}\n')
  if (name.includes('functionWithIllegalBase64EncodedResponse')) return { body: '{"statusCode": 200, "body": "dGVzdA=", "isBase64Encoded": "abc"}\n' }
  if (name.includes('functionWithMultiValueHeadersResponse'))
    return json('{"statusCode": 200, "headers": { "Age": "3600"}, "multiValueHeaders": {"Access-Control-Allow-Origin": ["site1.com", "site2.com"]}}\n')
  if (name.includes('functionEcho'))
    return json(JSON.stringify({ headers: req.headers, vars: { scheme: (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http' }, payload }))
  if (name.includes('functionWithTransferEncodingHeader'))
    return { body: '{"statusCode": 200, "headers": { "Transfer-Encoding": "chunked", "transfer-encoding": "chunked"}}\n' }
  if (name.includes('functionWithEmptyArray')) return json('{"statusCode": 200, "testbody": [], "isBase64Encoded": false}\n')
  if (name.includes('functionWithArrayCTypeInMVHAndEmptyArray'))
    return json(
      '{"statusCode": 200, "isBase64Encoded": true, "body": "eyJrZXkiOiAidmFsdWUiLCAia2V5MiI6IFtdfQ==", "headers": {}, "multiValueHeaders": {"Content-Type": ["application/json+test"]}}\n',
    )
  // A function as Lambda runs one: its JSON result, with Lambda's Content-Type.
  if (name === 'jsonEcho') return json(payload)
  if (name === 'returnsNull') return json('null')
  if (name === 'missing') return undefined
  // Kong's fixture echoes the payload as text (no JSON Content-Type), with ngx.say's newline.
  return { headers: { 'content-type': 'text/plain' }, body: `${payload}\n` }
}

function reply(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) })
  res.end(body)
}

async function listen(server: Server, host = '127.0.0.1', port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  return (server.address() as AddressInfo).port
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/**
 * The Lambda stand-in: `secrets` are the credentials it accepts (access key id
 * to secret, and token for temporary ones); `tls` serves https with a
 * self-signed certificate (Kong does not verify Lambda's).
 */
export async function startLambda(opts: { secrets: Map<string, Secret>; region?: string; tls?: boolean }): Promise<LambdaStandin> {
  const region = opts.region ?? 'us-east-1'
  const invocations: Invocation[] = []
  const refused: string[] = []
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req)
    const requestId = randomUUID()
    const verified = verifySigV4({ method: req.method ?? '', url: req.url ?? '', headers: req.headers }, body, opts.secrets, { region, service: 'lambda' })
    if (!verified.ok) {
      refused.push(verified.why ?? '')
      return reply(
        res,
        403,
        { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amzn-errortype': 'InvalidSignatureException' },
        JSON.stringify({ message: verified.why }),
      )
    }
    const url = new URL(req.url ?? '/', 'http://standin')
    const m = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname)
    if (req.method !== 'POST' || !m)
      return reply(
        res,
        404,
        { 'content-type': 'application/json', 'x-amzn-errortype': 'UnknownOperationException' },
        '{"Type":"User","Message":"Unknown operation"}',
      )
    const functionName = decodeURIComponent(m[1]!)
    const qualifier = url.searchParams.get('Qualifier') ?? undefined
    const invocationType = req.headers['x-amz-invocation-type'] as string | undefined
    const logType = req.headers['x-amz-log-type'] as string | undefined
    const payload = body.toString('utf8')
    invocations.push({ functionName, qualifier, invocationType, logType, headers: req.headers, url: req.url ?? '', payload, verified })
    const base: Record<string, string> = { 'x-amzn-RequestId': requestId, 'X-Amz-Executed-Version': qualifier ?? '$LATEST' }
    if (functionName.includes('functionWithUnhandledError')) base['X-Amz-Function-Error'] = 'Unhandled'
    if (invocationType === 'Event') return reply(res, 202, base, '')
    if (invocationType === 'DryRun') return reply(res, 204, base, '')
    if (invocationType !== 'RequestResponse')
      return reply(res, 400, { ...base, 'content-type': 'application/json' }, '{"Type":"User","Message":"bad invocation type"}')
    try {
      JSON.parse(payload)
    } catch {
      return reply(
        res,
        400,
        { ...base, 'content-type': 'application/json', 'x-amzn-ErrorType': 'InvalidRequestContentException' },
        '{"Type":"User","Message":"Could not parse request body into json"}',
      )
    }
    // Kong's fixture sleeps before it answers (a slow function).
    if (functionName.includes('functionWithLatency')) await new Promise((resolve) => setTimeout(resolve, 300))
    const answer = fixtureFunction(functionName, payload, req)
    if (!answer)
      return reply(
        res,
        404,
        { ...base, 'content-type': 'application/json', 'x-amzn-ErrorType': 'ResourceNotFoundException' },
        `{"Type":"User","Message":"Function not found: ${functionName}"}`,
      )
    if (logType === 'Tail') base['X-Amz-Log-Result'] = Buffer.from(`START RequestId: ${requestId}\nEND RequestId: ${requestId}\n`).toString('base64')
    reply(res, answer.status ?? 200, { ...base, ...answer.headers }, answer.body ?? '')
  }
  const listener = (req: IncomingMessage, res: ServerResponse) => void handle(req, res).catch(() => res.destroy())
  const server: Server = opts.tls === false ? createHttp(listener) : createHttps(await defaultCertificate(), listener)
  const port = await listen(server)
  return {
    port,
    url: `${opts.tls === false ? 'http' : 'https'}://127.0.0.1:${port}`,
    invocations,
    refused,
    last: () => invocations[invocations.length - 1],
    close: closer(server),
  }
}

export interface StsStandin {
  port: number
  url: string
  calls: { form: URLSearchParams; verified: Verified }[]
  close(): Promise<void>
}

/**
 * STS's AssumeRole: checks the signature (service sts) with the base
 * credentials, then answers the temporary ones (`issue`), which the caller
 * adds to the Lambda stand-in's secrets.
 */
export async function startSts(opts: {
  secrets: Map<string, Secret>
  region?: string
  roleArn: string
  issue: { accessKeyId: string; secret: string; token: string }
}): Promise<StsStandin> {
  const region = opts.region ?? 'us-east-1'
  const calls: StsStandin['calls'] = []
  const server = createHttp((req, res) => {
    void readBody(req).then((body) => {
      const verified = verifySigV4({ method: req.method ?? '', url: req.url ?? '', headers: req.headers }, body, opts.secrets, { region, service: 'sts' })
      const form = new URLSearchParams(body.toString('utf8'))
      calls.push({ form, verified })
      const error = (status: number, code: string) =>
        reply(res, status, { 'content-type': 'text/xml' }, `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code></Error></ErrorResponse>`)
      if (!verified.ok) return error(403, 'SignatureDoesNotMatch')
      if (form.get('Action') !== 'AssumeRole' || form.get('Version') !== '2011-06-15') return error(400, 'InvalidAction')
      if (form.get('RoleArn') !== opts.roleArn) return error(403, 'AccessDenied')
      if (!form.get('RoleSessionName')) return error(400, 'ValidationError')
      const expiration = new Date(Date.now() + 3600_000).toISOString()
      reply(
        res,
        200,
        { 'content-type': 'text/xml' },
        `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>` +
          `<AccessKeyId>${opts.issue.accessKeyId}</AccessKeyId><SecretAccessKey>${opts.issue.secret}</SecretAccessKey>` +
          `<SessionToken>${opts.issue.token}</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
          `<AssumedRoleUser><Arn>${opts.roleArn}/${form.get('RoleSessionName')}</Arn></AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>`,
      )
    })
  })
  const port = await listen(server)
  return { port, url: `http://127.0.0.1:${port}`, calls, close: closer(server) }
}

export interface ConnectProxy {
  port: number
  url: string
  /** The `host:port` of each CONNECT asked. */
  connects: string[]
  close(): Promise<void>
}

/** An http forward proxy whose CONNECTs all reach `port` on loopback, whatever host they name (the stand-in's DNS). */
export async function startConnectProxy(port: number): Promise<ConnectProxy> {
  const connects: string[] = []
  const sockets = new Set<Socket>()
  const server = createHttp((_req, res) => reply(res, 405, {}, ''))
  server.on('connect', (req: IncomingMessage, client: Socket) => {
    connects.push(req.url ?? '')
    const upstream = connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.pipe(client)
      client.pipe(upstream)
    })
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }
  })
  const own = await listen(server)
  return {
    port: own,
    url: `http://127.0.0.1:${own}`,
    connects,
    close: () => {
      for (const s of sockets) s.destroy()
      return closer(server)()
    },
  }
}
