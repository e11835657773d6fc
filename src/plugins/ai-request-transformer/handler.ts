/**
 * ai-request-transformer: the request body goes to an LLM with the
 * configured prompt before proxying, and the LLM's answer (or the first match
 * of `transformation_extract_pattern` in it) becomes the body sent upstream
 * (kong/plugins/ai-request-transformer/filters/transform-request.lua). A
 * failure is Kong's 400 with the reason.
 */
import { AI } from '../../errors.js'
import { introspector } from '../shared/ai/client.js'
import { setOutput } from '../shared/ai-prompt/request.js'
import { definePhases } from '../types.js'
import type { AiRequestTransformerConfig } from './schema.js'

export default definePhases<AiRequestTransformerConfig>((conf, env) => {
  const llm = introspector({
    llm: conf.llm,
    prompt: conf.prompt,
    pattern: conf.transformation_extract_pattern,
    timeoutMs: conf.http_timeout,
    verify: conf.https_verify,
    pluginName: 'ai-request-transformer',
    pluginId: env.plugin.id,
    node: env.node,
  })
  return {
    async access(kit) {
      // Kong checks the cloud identity before anything else: kong.response.exit(500, ...).
      const identity = 'error' in llm ? { ok: {} } : await llm.identity()
      if ('error' in identity) {
        env.log.error(`error authenticating with ${conf.llm.model.provider} using native provider auth, ${identity.error}`)
        return AI.TRANSFORMER_IDENTITY_FAILED
      }
      if ('error' in llm) return AI.failed(llm.error)
      const raw = await kit.request.body()
      // Kong's get_raw_body(max): a body past the limit is not sent to the LLM.
      const text = raw.length > conf.max_request_body_size ? undefined : raw.toString('utf8')
      const out = await llm.introspect(kit, text, identity.ok)
      if ('error' in out) {
        env.log.info(out.error)
        return AI.bad(out.error)
      }
      kit.upstream.setBody(out.ok)
      // Kong's transform-request `transformed`: ai-proxy then leaves a streamed answer untranslated.
      setOutput(kit, 'ai-request-transformer-transform-request', 'transformed', true)
      return undefined
    },
  }
})
