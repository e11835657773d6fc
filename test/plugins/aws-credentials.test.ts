// Where aws-lambda and ai-proxy's bedrock driver get AWS credentials when the config has none:
// lua-resty-aws's default CredentialProviderChain (environment, shared file, container endpoint,
// web identity, EC2 instance metadata), each remote source against a real loopback server that
// checks what AWS checks: the container agent its Authorization token, IMDS its IMDSv2 token,
// STS the AssumeRoleWithWebIdentity form and the token file's content. Kong's aws-lambda spec has
// no assertion on these sources (spec/03-plugins/27-aws-lambda/*: grep IMDS, IRSA, web identity
// finds none); the behaviour is lua-resty-aws's src/resty/aws/credentials/*.lua.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { bedrock } from '../../src/plugins/shared/ai/drivers/bedrock.js'
import { CredentialChain, defaultChain } from '../../src/plugins/shared/aws/providers/chain.js'
import { containerEndpoint, containerSource } from '../../src/plugins/shared/aws/providers/container.js'
import { envSource } from '../../src/plugins/shared/aws/providers/env.js'
import { imdsSource } from '../../src/plugins/shared/aws/providers/imds.js'
import { sharedFileSource } from '../../src/plugins/shared/aws/providers/shared-file.js'
import { stsEndpoint, webIdentitySource } from '../../src/plugins/shared/aws/providers/web-identity.js'
import type { NodeSlot, NodeView } from '../../src/plugins/types.js'
import { fetchRaw, gateway } from '../helpers/gateway.js'
import { startConnectProxy, startLambda } from '../helpers/aws-standins.js'
import { pluginLines } from '../helpers/plugin-gateway.js'
import type { Secret } from '../helpers/sigv4-verify.js'
import { verifySigV4 } from '../helpers/sigv4-verify.js'
import { listenOnLoopback } from '../helpers/listen.js'

const dir = mkdtempSync(join(tmpdir(), 'aws-creds-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

// A node whose slots live as the gateway's do (made once, closed at the end).
const slots = new Map<string, { slot: NodeSlot<unknown>; value: unknown }>()
const node = {
  slot<T>(s: NodeSlot<T>): T {
    if (!slots.has(s.key)) slots.set(s.key, { slot: s as NodeSlot<unknown>, value: s.create(node) })
    return slots.get(s.key)!.value as T
  },
} as unknown as NodeView
t.teardown(async () => {
  for (const { slot, value } of slots.values()) await slot.close?.(value)
})

const TEMP = { AccessKeyId: 'ASIACONTAINER', SecretAccessKey: 'container-secret', Token: 'container-session' }
const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString()

interface Standin {
  url: string
  calls: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[]
}

async function serve(t: Test, handle: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<Standin> {
  const calls: Standin['calls'] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      calls.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      handle(req, body, res)
    })
  })
  const port = await listenOnLoopback(t, server)
  return { url: `http://127.0.0.1:${port}`, calls }
}

const answer = (res: ServerResponse, status: number, body: string, type = 'application/json') => {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

/** The ECS/EKS agent: refuses a request without its Authorization token (as the EKS Pod Identity agent does). */
function containerAgent(t: Test, token: () => string, expiration: () => string) {
  return serve(t, (req, _body, res) => {
    if (req.method !== 'GET' || req.url !== '/v1/credentials') return answer(res, 404, '{"message":"not found"}')
    if (req.headers.authorization !== token()) return answer(res, 401, '{"message":"unauthorized"}')
    answer(res, 200, JSON.stringify({ ...TEMP, Expiration: expiration() }))
  })
}

/** IMDS: a token for PUT /latest/api/token with its TTL header; the credential paths need it unless `v1` allows none. */
function imds(t: Test, opts: { v1: boolean; tokens?: boolean; role?: string }) {
  const issued = new Set<string>()
  return serve(t, (req, _body, res) => {
    if (req.method === 'PUT' && req.url === '/latest/api/token') {
      if (opts.tokens === false) return answer(res, 403, '', 'text/plain')
      if (!req.headers['x-aws-ec2-metadata-token-ttl-seconds']) return answer(res, 400, '', 'text/plain')
      const token = `imds-token-${issued.size}`
      issued.add(token)
      return answer(res, 200, token, 'text/plain')
    }
    const token = req.headers['x-aws-ec2-metadata-token']
    if (token === undefined ? !opts.v1 : !issued.has(token as string)) return answer(res, 401, '', 'text/plain')
    const role = opts.role ?? 'gateway-role'
    if (req.method === 'GET' && req.url === '/latest/meta-data/iam/security-credentials/') return answer(res, 200, role, 'text/plain')
    if (req.method === 'GET' && req.url === `/latest/meta-data/iam/security-credentials/${role}`)
      return answer(
        res,
        200,
        JSON.stringify({
          Code: 'Success',
          Type: 'AWS-HMAC',
          AccessKeyId: 'ASIAIMDS',
          SecretAccessKey: 'imds-secret',
          Token: 'imds-session',
          Expiration: isoIn(6 * 3600_000),
        }),
      )
    answer(res, 404, '', 'text/plain')
  })
}

/** STS AssumeRoleWithWebIdentity: unsigned, the form's fields, and the token the identity provider last issued. */
function webIdentitySts(t: Test, opts: { roleArn: string; token: () => string; issue: { id: string; secret: string; token: string } }) {
  return serve(t, (req, body, res) => {
    const form = new URLSearchParams(body)
    const error = (status: number, code: string) => answer(res, status, `<ErrorResponse><Error><Code>${code}</Code></Error></ErrorResponse>`, 'text/xml')
    if (req.method !== 'POST') return error(405, 'InvalidAction')
    if (req.headers.authorization !== undefined) return error(400, 'IncompleteSignature')
    if (form.get('Action') !== 'AssumeRoleWithWebIdentity' || form.get('Version') !== '2011-06-15') return error(400, 'InvalidAction')
    if (form.get('RoleArn') !== opts.roleArn) return error(403, 'AccessDenied')
    if (!form.get('RoleSessionName')) return error(400, 'ValidationError')
    if (form.get('WebIdentityToken') !== opts.token()) return error(400, 'InvalidIdentityToken')
    answer(
      res,
      200,
      `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult><Credentials>` +
        `<AccessKeyId>${opts.issue.id}</AccessKeyId><SecretAccessKey>${opts.issue.secret}</SecretAccessKey><SessionToken>${opts.issue.token}</SessionToken>` +
        `<Expiration>${isoIn(3600_000)}</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>`,
      'text/xml',
    )
  })
}

const NONE = { AWS_EC2_METADATA_DISABLED: 'true', AWS_SHARED_CREDENTIALS_FILE: join(dir, 'absent') }

t.test('environment: AWS_ then AMAZON_ prefix', async (t) => {
  t.same(await envSource({ AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: 's', AWS_SESSION_TOKEN: 'tok' }, 'AWS').load(), {
    accessKeyId: 'A',
    secretAccessKey: 's',
    sessionToken: 'tok',
  })
  t.equal(await envSource({ AWS_ACCESS_KEY_ID: 'A' }, 'AWS').load(), undefined, 'a key without its secret is no credentials')
  const chain = defaultChain({ node, env: { ...NONE, AMAZON_ACCESS_KEY_ID: 'AMZ', AMAZON_SECRET_ACCESS_KEY: 'amz-secret' } })
  t.equal((await chain()).accessKeyId, 'AMZ', 'AMAZON_ when there is no AWS_')
  const both = defaultChain({
    node,
    env: { ...NONE, AMAZON_ACCESS_KEY_ID: 'AMZ', AMAZON_SECRET_ACCESS_KEY: 'x', AWS_ACCESS_KEY_ID: 'AWSK', AWS_SECRET_ACCESS_KEY: 'y' },
  })
  t.equal((await both()).accessKeyId, 'AWSK', 'AWS_ first')
})

t.test('shared credentials file: the profile, bounded', async (t) => {
  const file = join(dir, 'credentials')
  writeFileSync(
    file,
    '# comment\n[default]\naws_access_key_id = DEFAULTKEY\naws_secret_access_key = default-secret\n\n[profile ops]\naws_access_key_id=OPSKEY\naws_secret_access_key=ops-secret\naws_session_token=ops-token\n',
  )
  t.same(await sharedFileSource({ AWS_SHARED_CREDENTIALS_FILE: file }).load(), { accessKeyId: 'DEFAULTKEY', secretAccessKey: 'default-secret' })
  t.same(await sharedFileSource({ AWS_SHARED_CREDENTIALS_FILE: file, AWS_PROFILE: 'ops' }).load(), {
    accessKeyId: 'OPSKEY',
    secretAccessKey: 'ops-secret',
    sessionToken: 'ops-token',
  })
  t.equal(await sharedFileSource({ AWS_SHARED_CREDENTIALS_FILE: file, AWS_PROFILE: 'nobody' }).load(), undefined, 'an absent profile: not set')
  t.equal(await sharedFileSource({ AWS_SHARED_CREDENTIALS_FILE: join(dir, 'absent') }).load(), undefined, 'an absent file: not set')
  t.equal(await sharedFileSource({ HOME: dir }).load(), undefined, '~/.aws/credentials by default')
  const big = join(dir, 'big')
  writeFileSync(big, `[default]\naws_secret_access_key = ${'S'.repeat(2 * 1024 * 1024)}\n`)
  await t.rejects(sharedFileSource({ AWS_SHARED_CREDENTIALS_FILE: big }).load(), /larger than 1048576 bytes/)
  // After the environment, before the remote sources.
  const chain = defaultChain({
    node,
    env: { AWS_SHARED_CREDENTIALS_FILE: file, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:9/never' },
  })
  t.equal((await chain()).accessKeyId, 'DEFAULTKEY')
})

t.test('container endpoint: the Authorization token, the token file re-read, the allowed hosts', async (t) => {
  let token = 'pod-identity-token-1'
  const agent = await containerAgent(
    t,
    () => token,
    () => isoIn(3600_000),
  )
  const tokenFile = join(dir, 'eks-pod-identity-token')
  writeFileSync(tokenFile, `${token}\n`)
  const env = { AWS_CONTAINER_CREDENTIALS_FULL_URI: `${agent.url}/v1/credentials`, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile }
  const got = await containerSource(env, node).load()
  t.equal(got?.accessKeyId, 'ASIACONTAINER')
  t.equal(got?.sessionToken, 'container-session')
  t.ok(got?.expiration instanceof Date)
  t.equal(agent.calls[0]!.headers.authorization, 'pod-identity-token-1', "the token file's content is the Authorization header")
  token = 'pod-identity-token-2'
  writeFileSync(tokenFile, token)
  t.equal((await containerSource(env, node).load())?.accessKeyId, 'ASIACONTAINER', 'the rotated token file is read again')
  await t.rejects(
    containerSource({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${agent.url}/v1/credentials`, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'wrong' }, node).load(),
    /answered 401/,
  )
  t.equal(
    (await containerSource({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${agent.url}/v1/credentials`, AWS_CONTAINER_AUTHORIZATION_TOKEN: token }, node).load())
      ?.accessKeyId,
    'ASIACONTAINER',
    'AWS_CONTAINER_AUTHORIZATION_TOKEN when there is no file',
  )
  t.equal(String(containerEndpoint({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/abc' })), 'http://169.254.170.2/v2/credentials/abc')
  t.equal(String(containerEndpoint({ AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials' })), 'http://169.254.170.23/v1/credentials')
  t.equal(String(containerEndpoint({ AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://[fd00:ec2::23]/v1/credentials' })), 'http://[fd00:ec2::23]/v1/credentials')
  t.equal(String(containerEndpoint({ AWS_CONTAINER_CREDENTIALS_FULL_URI: 'https://creds.example.com/x' })), 'https://creds.example.com/x')
  await t.rejects(
    containerSource({ AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://creds.example.com/x' }, node).load(),
    /plain http is allowed only to loopback or the ECS\/EKS agent/,
  )
  t.equal(await containerSource({}, node).load(), undefined, 'not set')
})

t.test('web identity: STS AssumeRoleWithWebIdentity with the token file, re-read each refresh', async (t) => {
  let idToken = 'eyJ.irsa-token-1'
  const roleArn = 'arn:aws:iam::123456789012:role/irsa'
  const sts = await webIdentitySts(t, { roleArn, token: () => idToken, issue: { id: 'ASIAWEBID', secret: 'webid-secret', token: 'webid-session' } })
  const tokenFile = join(dir, 'irsa-token')
  writeFileSync(tokenFile, idToken)
  let now = Date.now()
  const env = { ...NONE, AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: roleArn, AWS_ENDPOINT_URL_STS: sts.url }
  const chain = defaultChain({ node, env, now: () => now })
  const first = await chain()
  t.equal(first.accessKeyId, 'ASIAWEBID')
  t.equal(first.sessionToken, 'webid-session')
  const form = new URLSearchParams(sts.calls[0]!.body)
  t.equal(form.get('RoleSessionName'), 'session@lua-resty-aws', "lua-resty-aws's default session name")
  t.equal(sts.calls[0]!.headers.authorization, undefined, 'unsigned')
  await chain()
  t.equal(sts.calls.length, 1, 'kept while valid')
  // EKS rotates the token; an hour later (past Expiration - 5 min) the new one is sent.
  idToken = 'eyJ.irsa-token-2'
  writeFileSync(tokenFile, idToken)
  now += 56 * 60_000
  t.equal((await chain()).accessKeyId, 'ASIAWEBID')
  t.equal(sts.calls.length, 2, 'refreshed 5 minutes before Expiration')
  t.equal(new URLSearchParams(sts.calls[1]!.body).get('WebIdentityToken'), 'eyJ.irsa-token-2')

  // Kong sends IRSA's STS call through the plugin's proxy_url (kong/plugins/aws-lambda/handler.lua).
  const proxy = await startConnectProxy(Number(new URL(sts.url).port))
  t.teardown(() => proxy.close())
  const viaProxy = webIdentitySource(
    { AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: roleArn, AWS_ENDPOINT_URL_STS: 'http://sts.us-east-1.amazonaws.com:80' },
    node,
    { proxyUrl: proxy.url },
  )
  t.equal((await viaProxy.load())?.accessKeyId, 'ASIAWEBID')
  t.same(proxy.connects, ['sts.us-east-1.amazonaws.com:80'], 'through proxy_url')
  const named = webIdentitySource(
    { AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: 'arn:aws:iam::1:role/other', AWS_ENDPOINT_URL_STS: sts.url, AWS_ROLE_SESSION_NAME: 'gw' },
    node,
    {},
  )
  await t.rejects(named.load(), /AssumeRoleWithWebIdentity answered 403 AccessDenied/)
  t.equal(new URLSearchParams(sts.calls.at(-1)!.body).get('RoleSessionName'), 'gw')
  t.equal(String(stsEndpoint({}, 'eu-west-1')), 'https://sts.eu-west-1.amazonaws.com/', 'regional')
  t.equal(String(stsEndpoint({ AWS_REGION: 'ap-south-1' }, undefined)), 'https://sts.ap-south-1.amazonaws.com/')
  t.equal(String(stsEndpoint({ AWS_STS_REGIONAL_ENDPOINTS: 'legacy' }, 'eu-west-1')), 'https://sts.amazonaws.com/', 'legacy: global')
})

t.test('instance metadata: IMDSv2 token, v1 fallback, disabled', async (t) => {
  const v2only = await imds(t, { v1: false })
  const got = await imdsSource({ AWS_EC2_METADATA_SERVICE_ENDPOINT: v2only.url }, node, 'v2').load()
  t.same({ id: got?.accessKeyId, token: got?.sessionToken }, { id: 'ASIAIMDS', token: 'imds-session' })
  t.same(
    v2only.calls.map((c) => `${c.method} ${c.url}`),
    ['PUT /latest/api/token', 'GET /latest/meta-data/iam/security-credentials/', 'GET /latest/meta-data/iam/security-credentials/gateway-role'],
  )
  t.equal(v2only.calls[1]!.headers['x-aws-ec2-metadata-token'], 'imds-token-0', 'the token on each metadata request')

  const noTokens = await imds(t, { v1: true, tokens: false })
  t.equal((await imdsSource({ AWS_EC2_METADATA_SERVICE_ENDPOINT: noTokens.url }, node, 'v1').load())?.accessKeyId, 'ASIAIMDS', 'v1: without a token')
  await t.rejects(imdsSource({ AWS_EC2_METADATA_SERVICE_ENDPOINT: noTokens.url }, node, 'v2').load(), /IMDSv2 token was refused \(403\)/)

  const disabled = await imds(t, { v1: true })
  const chain = defaultChain({
    node,
    env: { AWS_SHARED_CREDENTIALS_FILE: join(dir, 'absent'), AWS_EC2_METADATA_DISABLED: 'true', AWS_EC2_METADATA_SERVICE_ENDPOINT: disabled.url },
  })
  await t.rejects(chain(), /no AWS credentials/)
  t.equal(disabled.calls.length, 0, 'AWS_EC2_METADATA_DISABLED=true: never asked')
})

t.test('the chain: order, single flight, remembered failure, no secret in the error', async (t) => {
  const agent = await containerAgent(
    t,
    () => 'agent-token',
    () => isoIn(3600_000),
  )
  const meta = await imds(t, { v1: false })
  const env = {
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'absent'),
    AWS_CONTAINER_CREDENTIALS_FULL_URI: `${agent.url}/v1/credentials`,
    AWS_CONTAINER_AUTHORIZATION_TOKEN: 'agent-token',
    AWS_EC2_METADATA_SERVICE_ENDPOINT: meta.url,
  }
  const first = defaultChain({ node, env })
  const [a, b, c] = await Promise.all([first(), first(), first()])
  t.equal(a.accessKeyId, 'ASIACONTAINER', 'the container endpoint comes before instance metadata')
  t.ok(a === b && b === c)
  t.equal(agent.calls.length, 1, 'concurrent requests share one lookup')
  t.equal(meta.calls.length, 0)
  await defaultChain({ node, env: { ...env } })()
  t.equal(agent.calls.length, 1, 'the same settings (a reload) keep the same chain on the node')

  // Nothing anywhere: the failure is kept 10 s; the message names sources, never a value.
  let now = Date.now()
  const deadAgent = await serve(t, (_req, _body, res) => answer(res, 500, '{}'))
  const failing = new CredentialChain(
    [containerSource({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${deadAgent.url}/v1/credentials`, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'very-secret-token' }, node)],
    { now: () => now },
  )
  const err = await failing.get().catch((e: Error) => e)
  t.match(String(err), /no AWS credentials: set aws_key and aws_secret, .*container endpoint .*answered 500/)
  t.notMatch(String(err), /very-secret-token/)
  await t.rejects(failing.get(), /no AWS credentials/)
  t.equal(deadAgent.calls.length, 1, 'remembered: no second request within 10 s')
  now += 11_000
  await t.rejects(failing.get(), /no AWS credentials/)
  t.equal(deadAgent.calls.length, 2, 'asked again after 10 s')

  // Short-lived credentials (inside the 5-minute margin) are fetched again on each need.
  const short = await containerAgent(
    t,
    () => 't',
    () => isoIn(4 * 60_000),
  )
  const shortChain = new CredentialChain([
    containerSource({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${short.url}/v1/credentials`, AWS_CONTAINER_AUTHORIZATION_TOKEN: 't' }, node),
  ])
  await shortChain.get()
  await shortChain.get()
  t.equal(short.calls.length, 2, 'an Expiration within 5 minutes is refreshed')
})

t.test('a refresh that fails keeps credentials that have not expired yet', async (t) => {
  let down = false
  const expiration = new Date(Date.now() + 60 * 60_000)
  const agent = await serve(t, (req, _body, res) => {
    if (down || req.headers.authorization !== 'tok') return answer(res, 503, '{}')
    answer(res, 200, JSON.stringify({ ...TEMP, Expiration: expiration.toISOString() }))
  })
  let now = Date.now()
  const chain = new CredentialChain(
    [containerSource({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${agent.url}/v1/credentials`, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'tok' }, node)],
    {
      now: () => now,
    },
  )
  t.equal((await chain.get()).accessKeyId, 'ASIACONTAINER')
  down = true
  now = expiration.getTime() - 2 * 60_000
  t.equal((await chain.get()).accessKeyId, 'ASIACONTAINER', 'inside the 5-minute margin, the agent down: the old ones, still valid')
  t.equal(agent.calls.length, 2, 'a refresh was tried')
  now = expiration.getTime() + 1000
  await t.rejects(chain.get(), /no AWS credentials/, 'expired and no refresh: none')
})

t.test('end to end: aws-lambda signs with container credentials, then web identity; bedrock too', async (t) => {
  const secrets = new Map<string, Secret>([
    ['ASIACONTAINER', { secret: 'container-secret', token: 'container-session' }],
    ['ASIAWEBID', { secret: 'webid-secret', token: 'webid-session' }],
  ])
  const lambda = await startLambda({ secrets, tls: false })
  t.teardown(() => lambda.close())
  const agent = await containerAgent(
    t,
    () => 'e2e-token',
    () => isoIn(3600_000),
  )
  const roleArn = 'arn:aws:iam::123456789012:role/irsa'
  const sts = await webIdentitySts(t, { roleArn, token: () => 'eyJ.e2e', issue: { id: 'ASIAWEBID', secret: 'webid-secret', token: 'webid-session' } })
  const tokenFile = join(dir, 'e2e-irsa')
  writeFileSync(tokenFile, 'eyJ.e2e')
  const bedrockCalls: { ok: boolean; id: string | undefined }[] = []
  const bedrockApi = await serve(t, (req, body, res) => {
    const v = verifySigV4({ method: req.method ?? '', url: req.url ?? '', headers: req.headers }, Buffer.from(body), secrets, {
      region: 'us-east-1',
      service: 'bedrock',
    })
    bedrockCalls.push({ ok: v.ok, id: v.accessKeyId })
    if (!v.ok) return answer(res, 403, '{"message":"bad signature"}')
    answer(
      res,
      200,
      JSON.stringify({
        output: { message: { role: 'assistant', content: [{ text: 'hi' }] } },
        stopReason: 'end_turn',
        usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
      }),
    )
  })
  const lambdaConf = { host: '127.0.0.1', port: lambda.port, disable_https: true, aws_region: 'us-east-1', function_name: 'jsonEcho' }
  const doc = stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'chat',
        url: 'http://127.0.0.1:9',
        routes: [
          {
            name: 'chat',
            paths: ['/chat'],
            plugins: [
              {
                name: 'ai-proxy',
                config: {
                  route_type: 'llm/v1/chat',
                  auth: { allow_override: false },
                  model: {
                    name: 'anthropic.claude-3-haiku-20240307-v1:0',
                    provider: 'bedrock',
                    options: { upstream_url: `${bedrockApi.url}/model/m/converse`, bedrock: { aws_region: 'us-east-1' } },
                  },
                },
              },
            ],
          },
        ],
      },
    ],
    routes: [{ name: 'fn', paths: ['/fn'], plugins: [{ name: 'aws-lambda', config: lambdaConf }] }],
  })
  const vars = [
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_CONTAINER_AUTHORIZATION_TOKEN',
    'AWS_EC2_METADATA_DISABLED',
    'AWS_SHARED_CREDENTIALS_FILE',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_ROLE_ARN',
    'AWS_ENDPOINT_URL_STS',
  ]
  t.teardown(() => {
    for (const v of vars) delete process.env[v]
  })
  process.env.AWS_EC2_METADATA_DISABLED = 'true'
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'absent')
  process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = `${agent.url}/v1/credentials`
  process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN = 'e2e-token'
  const { lines, pluginLog } = pluginLines()
  const gw = await gateway(doc, { pluginLog })
  t.teardown(() => gw.close())
  const r = await fetchRaw(`${gw.url}/fn`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' })
  t.equal(r.status, 200)
  t.equal(lambda.last()!.verified.accessKeyId, 'ASIACONTAINER', 'signed with the container credentials')
  t.equal(lambda.last()!.headers['x-amz-security-token'], 'container-session', 'the session token as X-Amz-Security-Token')
  const chat = await fetchRaw(`${gw.url}/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hello' }] }),
  })
  t.equal(chat.status, 200)
  t.same(bedrockCalls.at(-1), { ok: true, id: 'ASIACONTAINER' }, 'bedrock signs with the same chain')
  t.equal(agent.calls.length, 1, 'one chain per settings on the node: both plugins share the lookup')

  // Web identity (EKS IRSA) in a second gateway's environment.
  delete process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI
  delete process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN
  process.env.AWS_WEB_IDENTITY_TOKEN_FILE = tokenFile
  process.env.AWS_ROLE_ARN = roleArn
  process.env.AWS_ENDPOINT_URL_STS = sts.url
  const gw2 = await gateway(doc, { pluginLog })
  t.teardown(() => gw2.close())
  const r2 = await fetchRaw(`${gw2.url}/fn`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":2}' })
  t.equal(r2.status, 200)
  t.equal(lambda.last()!.verified.accessKeyId, 'ASIAWEBID', 'signed with the web identity role')
  t.equal(lambda.last()!.headers['x-amz-security-token'], 'webid-session')
  t.equal(sts.calls.length, 1)
  for (const secret of ['container-secret', 'container-session', 'webid-secret', 'webid-session', 'e2e-token', 'eyJ.e2e'])
    t.notOk(
      lines.some((l) => JSON.stringify(l).includes(secret)),
      `${secret} is not logged`,
    )
})

t.test('bedrock: no credentials anywhere names the fields and the sources', async (t) => {
  const model = { name: 'm', provider: 'bedrock' as const, options: { azure_api_version: '2023-05-15', bedrock: { aws_region: 'us-east-1' } } }
  const none = bedrock.identity!({ model }, { node, env: NONE })!
  await t.rejects(
    none.sign!({ method: 'POST', scheme: 'https', host: 'h', port: 443, path: '/', query: {}, body: '' }),
    /^failed to sign AWS request: no AWS credentials: set auth\.aws_access_key_id and auth\.aws_secret_access_key, or give the gateway credentials \(tried: environment AWS_ACCESS_KEY_ID: not set; environment AMAZON_ACCESS_KEY_ID: not set; shared credentials file .*: not set; container endpoint .*: not set; web identity .*: not set\)$/,
  )
})
