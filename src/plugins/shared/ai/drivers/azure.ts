/**
 * The Azure OpenAI driver (kong/llm/drivers/azure.lua): OpenAI's format, sent
 * to the instance's deployment with an `api-version` (the client's, else the
 * configured one), and the Azure ids added to the logged meta.
 */
import type { Driver } from './types.js'
import { openaiAnswer, openaiBody } from './openai.js'
import { endpointOf } from './url.js'

const PATHS = { 'llm/v1/chat': '/chat/completions', 'llm/v1/completions': '/completions' } as const

export const azure: Driver = {
  provider: 'azure',
  countsTokens: false,
  clearHeaders: ['set-cookie'],
  toFormat: (b, model) => openaiBody(b, model),
  fromFormat: (raw, _model, routeType) => openaiAnswer('azure', raw, routeType),
  endpoint(model, routeType) {
    const o = model.options
    const ep =
      o?.upstream_url !== undefined
        ? endpointOf(o.upstream_url)
        : endpointOf(
            `https://${o?.azure_instance ?? ''}.openai.azure.com:443/openai/deployments/${o?.azure_deployment_id ?? ''}${
              o?.upstream_path ?? (routeType === 'preserve' ? '/' : PATHS[routeType])
            }`,
          )
    if ('error' in ep) return ep
    return { ok: { ...ep.ok, defaultQuery: { 'api-version': o?.azure_api_version ?? '2023-05-15' } } }
  },
  meta: (model) => ({
    azure_instance_id: model.options?.azure_instance,
    azure_deployment_id: model.options?.azure_deployment_id,
    azure_api_version: model.options?.azure_api_version,
  }),
}
