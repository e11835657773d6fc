/**
 * Bedrock's ConverseStream events as OpenAI chunks (Kong's bedrock
 * handle_stream_event): messageStart opens the assistant's message, a
 * contentBlockStart with a toolUse opens a tool call, contentBlockDelta
 * carries text or tool-call arguments, messageStop the finish reason, and
 * metadata the token usage (added to the counts) and the end of the stream.
 * contentBlockStop, exceptions and events Kong does not know send nothing.
 */
import type { Body } from '../request.js'
import type { AiModel } from '../schema.js'
import { isObject } from './answer.js'
import { finishReason } from './bedrock-format.js'
import type { StreamEvent, StreamFrame, StreamTranslator } from './types.js'

const parse = (text: unknown): unknown => {
  if (typeof text !== 'string') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

export function bedrockStreamTranslator(model: AiModel): StreamTranslator {
  const chunk = (choice: Body, fingerprint = true): StreamFrame => ({
    data: JSON.stringify({
      choices: [{ ...choice, index: 0, logprobs: null }],
      model: model.name,
      object: 'chat.completion.chunk',
      ...(fingerprint ? { system_fingerprint: null } : {}),
    }),
  })
  return (event: StreamEvent) => {
    // The framer's data: the message as {headers, body} (Kong's frame_to_events for AWS streams).
    const message = parse(event.data)
    if (!isObject(message) || !isObject(message.headers)) return undefined
    const type = message.headers[':event-type']
    if (typeof type !== 'string') return undefined
    const body = parse(message.body)
    if (!isObject(body)) return undefined
    const index = body.contentBlockIndex
    switch (type) {
      case 'messageStart':
        return chunk({ delta: { content: '', role: body.role } })
      case 'contentBlockStart': {
        const use = isObject(body.start) && isObject(body.start.toolUse) ? body.start.toolUse : undefined
        return use ? chunk({ delta: { tool_calls: [{ index, id: use.toolUseId, function: { name: use.name, arguments: '' } }] } }) : undefined
      }
      case 'contentBlockDelta': {
        const delta = isObject(body.delta) ? body.delta : undefined
        if (delta && isObject(delta.toolUse)) return chunk({ delta: { tool_calls: [{ index, function: { arguments: delta.toolUse.input } }] } })
        const text = delta?.text
        return chunk({ delta: { content: text !== undefined && text !== null && text !== false ? text : '' } })
      }
      case 'messageStop':
        return chunk({ delta: {}, finish_reason: finishReason(body.stopReason) }, false)
      case 'metadata': {
        const usage = isObject(body.usage) ? body.usage : {}
        const count = (v: unknown) => (typeof v === 'number' ? v : 0)
        return { data: '[DONE]', usage: { promptTokens: count(usage.inputTokens), completionTokens: count(usage.outputTokens) } }
      }
      default:
        return undefined
    }
  }
}
