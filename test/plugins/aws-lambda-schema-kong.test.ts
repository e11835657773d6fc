// Kong's aws-lambda schema spec (spec/03-plugins/27-aws-lambda/02-schema_spec.lua) through the
// config loader, with Kong's messages; and the defaults Kong's schema.lua fills in.
import t from 'tap'
import { stringify } from 'yaml'
import { loadConfig } from '../../src/config/load.js'

const load = (config: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  loadConfig(stringify({ _format_version: '3.0', plugins: [{ name: 'aws-lambda', config, ...extra }] }), { file: 'k.yml' })
const problems = (config: Record<string, unknown>) => {
  const r = load(config)
  return r.ok ? [] : r.issues.map((i) => `${i.path.replace(/^plugins\[0\]\.config\.?/, '')} ${i.message}`.trim())
}
const base = { aws_region: 'us-east-1', function_name: 'my-function' }

t.test('02-schema', async (t) => {
  // spec/03-plugins/27-aws-lambda/02-schema_spec.lua:6, :17
  t.same(problems({ ...base }), [], 'accepts nil Unhandled Response Status Code')
  t.same(problems({ ...base, unhandled_status: 412 }), [], 'accepts correct Unhandled Response Status Code')
  // :28, :39
  t.same(problems({ ...base, unhandled_status: 99 }), ['unhandled_status value should be between 100 and 999'])
  t.same(problems({ ...base, unhandled_status: 1000 }), ['unhandled_status value should be between 100 and 999'])
  // :50
  t.same(problems({ ...base }), [], 'accepts with neither aws_key nor aws_secret')
  // :60, :71
  const pair = "all or none of these fields must be set: 'config.aws_key', 'config.aws_secret'"
  t.same(problems({ ...base, aws_secret: 'xx' }), [pair])
  t.same(problems({ ...base, aws_key: 'xx' }), [pair])
  // :82
  for (const scheme of ['https', 'ftp', 'wss']) t.same(problems({ ...base, proxy_url: `${scheme}://squid:3128` }), ['proxy_url scheme must be http'], scheme)
  t.same(problems({ ...base, proxy_url: 'http://squid:3128' }), [])
  // :96, :105, :115
  t.same(problems({ host: 'my.lambda.host', function_name: 'my-function' }), [], 'accepts a host')
  t.same(problems({ function_name: 'my-function' }), [], 'neither region nor host: found at run time')
  t.same(problems({ host: 'my.lambda.host', ...base }), [], 'both region and host')
})

t.test("schema.lua's types, choices and defaults", async (t) => {
  t.same(problems({ ...base, invocation_type: 'Sync' }), ['invocation_type expected one of: RequestResponse, Event, DryRun'])
  t.same(problems({ ...base, log_type: 'All' }), ['log_type expected one of: Tail, None'])
  t.same(problems({ ...base, empty_arrays_mode: 'x' }), ['empty_arrays_mode expected one of: legacy, correct'])
  t.same(problems({ ...base, aws_imds_protocol_version: 'v3' }), ['aws_imds_protocol_version expected one of: v1, v2'])
  t.same(problems({ ...base, awsgateway_compatible_payload_version: '3.0' }), ['awsgateway_compatible_payload_version expected one of: 1.0, 2.0'])
  t.same(problems({ ...base, port: 70000 }), ['port value should be between 0 and 65535'])
  t.same(problems({ ...base, aws_sts_endpoint_url: 'sts.example' }), ['aws_sts_endpoint_url missing host in url'])
  t.same(problems({ ...base, unknown_field: 1 }).length, 1, 'unknown fields are refused')
  const r = load({ ...base })
  t.ok(r.ok)
  t.match(r.ok && r.config.plugins[0]?.config, {
    timeout: 60000,
    keepalive: 60000,
    aws_role_session_name: 'kong',
    invocation_type: 'RequestResponse',
    log_type: 'Tail',
    port: 443,
    disable_https: false,
    forward_request_method: false,
    forward_request_uri: false,
    forward_request_headers: false,
    forward_request_body: false,
    is_proxy_integration: false,
    awsgateway_compatible: false,
    awsgateway_compatible_payload_version: '1.0',
    skip_large_bodies: true,
    base64_encode_body: true,
    aws_imds_protocol_version: 'v1',
    empty_arrays_mode: 'legacy',
  })
  // typedefs.protocols_http: no stream protocol.
  t.notOk(load({ ...base }, { protocols: ['tcp'] }).ok, 'http protocols only')
})

t.test('aws_secret may be a vault reference', async (t) => {
  process.env.LAMBDA_TEST_SECRET = 'from-the-vault'
  t.teardown(() => {
    delete process.env.LAMBDA_TEST_SECRET
  })
  const r = load({ ...base, aws_key: 'AK', aws_secret: '{vault://env/lambda-test-secret}' })
  t.ok(r.ok)
  t.equal(r.ok && (r.config.plugins[0]?.config as { aws_secret?: string }).aws_secret, 'from-the-vault')
})
