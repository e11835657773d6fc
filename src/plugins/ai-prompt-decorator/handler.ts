/**
 * ai-prompt-decorator: puts the configured messages before and after a chat
 * request's `messages`, then sends the result upstream as JSON (Content-Type
 * application/json) and makes it the body later AI plugins read (so
 * ai-prompt-guard checks the decorated conversation). The body is the one
 * Kong's parse-request filter reads: by the request's Content-Type, at most
 * max_request_body_size (past the 8 KiB buffer). No `messages` to decorate is
 * Kong's 400; a `messages` Kong's Lua cannot iterate is its 500.
 */
import { AI_PROMPT, UNEXPECTED } from '../../errors.js'
import { bodyInUse, parseRequest, setBodyInUse, setOutput, setRawBody } from '../shared/ai-prompt/request.js'
import { luaType, truthy } from '../shared/ai-prompt/lua-json.js'
import { definePhases } from '../types.js'
import type { AiPromptDecoratorConfig } from './schema.js'

interface Message {
  role: string
  content: string
}

export default definePhases<AiPromptDecoratorConfig>((conf, env) => {
  const copy = (m: { role: string; content: string }): Message => ({ role: m.role, content: m.content })
  const prepend = (conf.prompts?.prepend ?? []).map(copy)
  const append = (conf.prompts?.append ?? []).map(copy)

  return {
    async access(kit) {
      await parseRequest(kit, conf)
      const { table, source } = bodyInUse(kit)
      env.log.debug(`using request body from source: ${source}`)
      const given = Array.isArray(table) ? undefined : table.messages
      const messages = truthy(given) ? given : []
      // Kong's #messages: a table's array length (0 for an object), a string's byte length; anything else is a Lua error.
      let length: number
      if (Array.isArray(messages)) length = messages.length
      else if (typeof messages === 'string') length = Buffer.byteLength(messages)
      else if (messages !== null && typeof messages === 'object') length = 0
      else {
        env.log.error(`attempt to get length of a ${luaType(messages)} value`)
        return UNEXPECTED
      }
      if (length < 1) {
        env.log.info('this LLM route only supports llm/chat type requests')
        return AI_PROMPT.NOT_CHAT
      }
      if (!Array.isArray(messages)) {
        env.log.error(`bad argument #1 to 'ipairs' (table expected, got ${luaType(messages)})`)
        return UNEXPECTED
      }
      const decorated = { ...(table as Record<string, unknown>), messages: [...prepend, ...messages, ...append] }
      setRawBody(kit, JSON.stringify(decorated))
      kit.upstream.setHeader('content-type', 'application/json')
      setOutput(kit, 'decorate-prompt', 'decorated', true)
      setBodyInUse(kit, decorated, 'decorate-prompt')
    },
  }
})
