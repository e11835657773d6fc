/**
 * aws-lambda (Kong PRIORITY 750): the config, as Kong's schema.lua has it
 * (kong/plugins/aws-lambda/schema.lua), with its two entity checks: the key
 * and the secret come together, and a proxy is plain http. Kong Enterprise's
 * `awsgateway_compatible_payload_version` is here too (1.0 by default).
 */
import * as z from 'zod'
import { host, integer, kongUrlProblem, markSecret, metaFields, oneOf, port, referenceable } from '../../config/schema/typedefs.js'

// Kong's typedefs.url: a scheme and a host, in Kong's words.
const url = (description: string) =>
  markSecret(
    z.string().superRefine((v, ctx) => {
      const problem = kongUrlProblem(v)
      if (problem) ctx.addIssue({ code: 'custom', message: problem })
    }),
    'url',
  )
    .optional()
    .describe(description)

const flag = (value: boolean, description: string) => z.boolean().default(value).describe(description)

export const config = z
  .strictObject({
    timeout: z.number().default(60000).describe('Milliseconds to wait for the connection to Lambda and for each read of its answer.'),
    keepalive: z.number().default(60000).describe('Milliseconds an idle connection to Lambda is kept open.'),
    aws_key: referenceable(z.string(), 'The AWS access key id the invocation is signed with (with aws_secret).').optional(),
    aws_secret: referenceable(z.string(), 'The AWS secret access key the invocation is signed with (with aws_key). Never logged.').optional(),
    aws_assume_role_arn: referenceable(z.string(), 'An IAM role to assume (STS AssumeRole) and invoke the function as.').optional(),
    aws_role_session_name: z.string().default('kong').describe('The session name of the assumed role.'),
    aws_sts_endpoint_url: url('The STS endpoint to assume the role at (default: the regional https://sts.<region>.amazonaws.com).'),
    aws_region: host.optional().describe('The AWS region of the function; the AWS_REGION or AWS_DEFAULT_REGION environment variable when unset.'),
    function_name: z.string().optional().describe('The function to invoke: its name or ARN (a partial ARN too).'),
    qualifier: z.string().optional().describe('The version or alias invoked (the `Qualifier` query parameter).'),
    invocation_type: oneOf(['RequestResponse', 'Event', 'DryRun'])
      .default('RequestResponse')
      .describe('The X-Amz-Invocation-Type: RequestResponse (wait for the answer), Event (asynchronous, 202) or DryRun (204).'),
    log_type: oneOf(['Tail', 'None']).default('Tail').describe('The X-Amz-Log-Type: Tail returns the last 4 KB of the log in X-Amz-Log-Result.'),
    host: host.optional().describe('The Lambda endpoint host, instead of lambda.<region>.amazonaws.com.'),
    port: port.default(443).describe('The port of the Lambda endpoint.'),
    disable_https: flag(false, 'Talk to the endpoint in plain http.'),
    unhandled_status: integer(100, 999)
      .optional()
      .describe('The status answered (instead of 200, 202 or 204) when the function failed with an unhandled error.'),
    forward_request_method: flag(false, 'Send the request method as `request_method` in the event.'),
    forward_request_uri: flag(false, 'Send the path and query as `request_uri` and the query arguments as `request_uri_args`.'),
    forward_request_headers: flag(false, 'Send the request headers as `request_headers`.'),
    forward_request_body: flag(false, 'Send the body as `request_body` (and its parsed arguments as `request_body_args`).'),
    is_proxy_integration: flag(
      false,
      "Read the function's answer as an API Gateway proxy response: statusCode, headers, multiValueHeaders, body, isBase64Encoded.",
    ),
    awsgateway_compatible: flag(false, 'Send the request as an API Gateway proxy event.'),
    awsgateway_compatible_payload_version: oneOf(['1.0', '2.0'])
      .default('1.0')
      .describe('The API Gateway event format sent with awsgateway_compatible (Kong Enterprise).'),
    proxy_url: url('An http forward proxy to reach Lambda (and STS) through.'),
    skip_large_bodies: flag(true, 'Leave out a body larger than the buffer nginx keeps in memory (8 KiB), as Kong does.'),
    base64_encode_body: flag(true, 'Base64-encode a body that is not text or a form before sending it.'),
    aws_imds_protocol_version: oneOf(['v1', 'v2'])
      .default('v1')
      .describe('The EC2 instance metadata protocol for instance credentials: v2 requires the IMDSv2 token, v1 falls back to asking without one.'),
    empty_arrays_mode: oneOf(['legacy', 'correct'])
      .default('legacy')
      .describe("legacy: empty arrays in a JSON answer are sent as {} (Kong's old behaviour); correct: kept as []."),
    ...metaFields,
  })
  .superRefine((c, ctx) => {
    if ((c.aws_key === undefined) !== (c.aws_secret === undefined)) {
      ctx.addIssue({ code: 'custom', message: "all or none of these fields must be set: 'config.aws_key', 'config.aws_secret'" })
    }
    const scheme = c.proxy_url === undefined ? undefined : /^([^:]+):\/\//.exec(c.proxy_url)?.[1]
    if (scheme !== undefined && scheme !== 'http') ctx.addIssue({ code: 'custom', message: 'proxy_url scheme must be http' })
  })

export type AwsLambdaConfig = z.infer<typeof config>
