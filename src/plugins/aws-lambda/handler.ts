/**
 * aws-lambda: the request becomes a Lambda Invoke, signed with SigV4, and
 * Lambda's answer the client's (response.ts); the service is never called.
 * Everything the config decides is settled when it is compiled: the
 * endpoint (`host`, or lambda.<region>.amazonaws.com, with `port` and
 * `disable_https`), the Invoke path and query, the credentials (config, else
 * the default chain: environment, shared file, container, web identity,
 * instance metadata; then an assumed role) and the signer. A config Kong would
 * fail at request time (no region, no function) fails each request the same
 * way: Kong's 500, the reason logged.
 */
import { UNEXPECTED } from '../../errors.js'
import { assumeRole } from '../shared/aws/assume-role.js'
import { dispatcherFor, send } from '../shared/aws/client.js'
import { configOrChainCredentials } from '../shared/aws/providers/chain.js'
import { requestSigner } from '../shared/aws/sigv4.js'
import { definePhases, type Kit } from '../types.js'
import { eventV1, eventV2 } from './event.js'
import { buildPayload } from './payload.js'
import { LambdaError, mapAnswer } from './response.js'
import type { AwsLambdaConfig } from './schema.js'

// Lambda's synchronous answer is at most 6 MB; a larger one is not Lambda's.
const MAX_ANSWER = 8 * 1024 * 1024

// RFC 3986 unreserved characters stay; everything else in the function name is escaped (an ARN's ':' too).
const escapeSegment = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

export default definePhases<AwsLambdaConfig>((conf, env) => {
  // The region in the config wins over the environment's (read when the config is compiled).
  const region = conf.aws_region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION
  const broken = region === undefined ? 'no region specified' : conf.function_name === undefined ? 'FunctionName is required' : undefined
  if (broken !== undefined || region === undefined) {
    return {
      access() {
        env.log.error(broken ?? 'no region specified')
        return UNEXPECTED
      },
    }
  }
  const host = conf.host ?? `lambda.${region}.amazonaws.com`
  const scheme = conf.disable_https ? 'http' : 'https'
  const port = conf.port
  const origin = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`
  const path = `/2015-03-31/functions/${escapeSegment(conf.function_name!)}/invocations`
  const query: Record<string, string> = conf.qualifier === undefined ? {} : { Qualifier: conf.qualifier }
  const target = conf.qualifier === undefined ? path : `${path}?Qualifier=${escapeSegment(conf.qualifier)}`
  let credentials = configOrChainCredentials(conf.aws_key, conf.aws_secret, {
    node: env.node,
    env: process.env,
    region,
    proxyUrl: conf.proxy_url,
    imdsVersion: conf.aws_imds_protocol_version,
  })
  if (conf.aws_assume_role_arn !== undefined) {
    credentials = assumeRole({
      base: credentials,
      roleArn: conf.aws_assume_role_arn,
      sessionName: conf.aws_role_session_name,
      region,
      endpoint: conf.aws_sts_endpoint_url,
      proxyUrl: conf.proxy_url,
      timeout: conf.timeout,
      node: env.node,
    })
  }
  const sign = requestSigner('lambda', region, credentials)
  const fixed = {
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-invocation-type': conf.invocation_type,
    'x-amz-log-type': conf.log_type,
  }
  const dispatcher = dispatcherFor(env.node, { origin, timeout: conf.timeout, keepalive: conf.keepalive, proxyUrl: conf.proxy_url })
  const mapping = {
    isProxyIntegration: conf.is_proxy_integration,
    unhandledStatus: conf.unhandled_status,
    legacyEmptyArrays: conf.empty_arrays_mode === 'legacy',
  }
  const event = conf.awsgateway_compatible_payload_version === '2.0' ? eventV2 : eventV1
  const toEvent = (kit: Kit, body: Buffer | undefined) => event(kit, body, conf.base64_encode_body)

  const invoke = async (kit: Kit) => {
    // Kong's KONG_WAITING_TIME: from the plugin's start to Lambda's whole answer, counted as the proxy's in the log.
    const start = performance.now()
    const payload = await buildPayload(kit, conf, env.log, toEvent)
    const headers = await sign({ method: 'POST', scheme, host, port, path, query, headers: fixed, body: payload })
    const answer = await send(dispatcher, origin, { method: 'POST', path: target, headers, body: payload }, MAX_ANSWER).finally(() =>
      kit.waited(performance.now() - start),
    )
    return { ...mapAnswer(answer, mapping), via: true }
  }

  return {
    access(kit) {
      return invoke(kit).catch((err: unknown) => {
        // Kong's error(): the reason in the log (never a credential), Kong's 500 to the client.
        const reason = err instanceof LambdaError ? err.message : `${host}:${port}: ${describe(err)}`
        env.log.error(reason, { request_id: kit.requestId })
        return UNEXPECTED
      })
    },
  }
})

/** An error's words: its code and message (undici's and Node's carry no request headers). */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const code = (err as NodeJS.ErrnoException).code
  return code !== undefined && !err.message.includes(code) ? `${err.message} (${code})` : err.message
}
