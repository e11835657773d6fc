// A stand-in for Amazon Bedrock's runtime API (bedrock-runtime.<region>.amazonaws.com) on
// 127.0.0.1:0. It refuses what Bedrock refuses before answering: a SigV4 signature that does not
// verify for service `bedrock` in its region (checked by the independent test/helpers/sigv4-verify.ts),
// an operation other than POST /model/{modelId}/converse or /converse-stream, and a Converse body
// Bedrock would not take (no messages, a first message not the user's, roles that do not alternate,
// a content block that is not one of Converse's, a toolResult without its toolUse). It answers with
// Kong's fixtures: the Converse answer, and for ConverseStream Kong's event-stream chunks or a stream
// built by the test-side encoder (test/helpers/aws-eventstream.ts). The model id picks the scenario.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Test } from 'tap'
import { converseEvent } from '../../helpers/aws-eventstream.js'
import { verifySigV4, type Secret, type Verified } from '../../helpers/sigv4-verify.js'
import { fixture } from './openai-standin.js'
import { listenOnLoopback } from '../../helpers/listen.js'

export interface BedrockCall {
  modelId: string
  operation: 'converse' | 'converse-stream'
  url: string
  headers: IncomingMessage['headers']
  json: any
  verified: Verified
}

export interface BedrockStandIn {
  url: string
  calls: BedrockCall[]
  /** Why each refused signature was refused. */
  refused: string[]
  last(): BedrockCall | undefined
}

// kong's spec/03-plugins/38-ai-proxy/01-unit_spec.lua:194 SAMPLE_BEDROCK_TOOLS_RESPONSE, as Bedrock sends it
export const TOOLS_ANSWER = {
  metrics: { latencyMs: 3781 },
  output: {
    message: {
      content: [
        { text: 'Certainly! To calculate the sum of 121, 212, and 313, we can use the "sumArea" function that\'s available to us.' },
        { toolUse: { input: { areas: [121, 212, 313] }, name: 'sumArea', toolUseId: 'tooluse_4ZakZPY9SiWoKWrAsY7_eg' } },
      ],
      role: 'assistant',
    },
  },
  stopReason: 'tool_use',
  usage: { inputTokens: 410, outputTokens: 115, totalTokens: 525 },
}

/** A text stream as ConverseStream sends one, built with the test encoder. */
export function textStream(parts: string[], usage = { inputTokens: 11, outputTokens: 7, totalTokens: 18 }): Buffer[] {
  return [
    converseEvent('messageStart', { role: 'assistant' }),
    ...parts.map((text) => converseEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text } })),
    converseEvent('contentBlockStop', { contentBlockIndex: 0 }),
    converseEvent('messageStop', { stopReason: 'end_turn' }),
    converseEvent('metadata', { usage, metrics: { latencyMs: 120 } }),
  ]
}

const BLOCKS = new Set(['text', 'image', 'document', 'video', 'toolUse', 'toolResult', 'guardContent', 'reasoningContent', 'cachePoint'])

/** What Converse refuses in a request body, in Bedrock's words where known. */
function converseProblem(b: any): string | undefined {
  if (typeof b !== 'object' || b === null || Array.isArray(b)) return 'Malformed input request, please reformat your input and try again.'
  if (!Array.isArray(b.messages) || b.messages.length === 0)
    return 'A conversation must start with a user message. Try again with a conversation that starts with a user message.'
  let previous: any
  for (const [i, m] of (b.messages as any[]).entries()) {
    if (m?.role !== 'user' && m?.role !== 'assistant') return `messages.${i}.role: must be user or assistant`
    if (i === 0 && m.role !== 'user') return 'A conversation must start with a user message. Try again with a conversation that starts with a user message.'
    if (previous && previous.role === m.role)
      return 'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.'
    if (!Array.isArray(m.content) || m.content.length === 0) return `messages.${i}.content: must be a non-empty list of content blocks`
    for (const block of m.content as any[]) {
      const keys = typeof block === 'object' && block !== null ? Object.keys(block) : []
      if (keys.length !== 1 || !BLOCKS.has(keys[0]!))
        return `messages.${i}.content: extraneous key [${keys.find((k) => !BLOCKS.has(k)) ?? 'none'}] is not permitted`
      if (block.toolResult) {
        const uses = Array.isArray(previous?.content) ? previous.content.filter((c: any) => c?.toolUse).map((c: any) => c.toolUse.toolUseId) : []
        if (!uses.includes(block.toolResult.toolUseId))
          return 'The toolResult blocks at messages.' + i + ' must have a corresponding toolUse block in the previous turn.'
      }
    }
    previous = m
  }
  if (b.system !== undefined && !Array.isArray(b.system)) return 'system: must be a list of system content blocks'
  return undefined
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': 'f3b8d3a4-0000-4000-8000-000000000000', ...headers })
  res.end(body)
}

const error = (res: ServerResponse, status: number, type: string, message: string) =>
  send(res, status, JSON.stringify({ message }), { 'x-amzn-errortype': type })

export async function bedrockStandIn(t: Test, opts: { secrets: Map<string, Secret>; region: string }): Promise<BedrockStandIn> {
  const calls: BedrockCall[] = []
  const refused: string[] = []
  const handle = (req: IncomingMessage, res: ServerResponse, raw: Buffer) => {
    const verified = verifySigV4({ method: req.method ?? '', url: req.url ?? '', headers: req.headers }, raw, opts.secrets, {
      region: opts.region,
      service: 'bedrock',
    })
    if (!verified.ok) {
      refused.push(verified.why ?? '')
      if (verified.why?.startsWith('unknown access key'))
        return error(res, 403, 'UnrecognizedClientException', 'The security token included in the request is invalid.')
      return error(res, 403, 'InvalidSignatureException', 'The request signature we calculated does not match the signature you provided.')
    }
    const m = /^\/model\/([^/]+)\/(converse|converse-stream)$/.exec(new URL(req.url ?? '/', 'http://x').pathname)
    if (req.method !== 'POST' || !m) return error(res, 404, 'UnknownOperationException', 'Unknown operation')
    let json: any
    try {
      json = JSON.parse(raw.toString('utf8'))
    } catch {
      json = undefined
    }
    const call: BedrockCall = {
      modelId: decodeURIComponent(m[1]!),
      operation: m[2] as BedrockCall['operation'],
      url: req.url ?? '',
      headers: req.headers,
      json,
      verified,
    }
    calls.push(call)
    const problem = converseProblem(json)
    if (problem) return error(res, 400, 'ValidationException', problem)
    if (call.modelId === 'throttled') return error(res, 429, 'ThrottlingException', 'Too many requests, please wait before trying again.')
    if (call.operation === 'converse') {
      if (call.modelId === 'tools') return send(res, 200, JSON.stringify(TOOLS_ANSWER))
      return send(res, 200, fixture('unit/real-responses/bedrock/llm-v1-chat.json'))
    }
    // ConverseStream: Kong's tool-use chunks (spec/03-plugins/38-ai-proxy/09-streaming_integration_spec.lua:375), or a text stream.
    const chunks =
      call.modelId === 'tools' ? [1, 2, 3].map((i) => Buffer.from(fixture(`bedrock/chunks/chunk-${i}.txt`), 'base64')) : textStream(['Hello', ' there', '!'])
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'f3b8d3a4-0000-4000-8000-000000000001' })
    for (const c of chunks) res.write(c)
    res.end()
  }
  const server = createServer((req, res) => {
    const parts: Buffer[] = []
    req.on('data', (c: Buffer) => parts.push(c))
    req.on('end', () => handle(req, res, Buffer.concat(parts)))
  })
  const port = await listenOnLoopback(t, server)
  return { url: `http://127.0.0.1:${port}`, calls, refused, last: () => calls[calls.length - 1] }
}
