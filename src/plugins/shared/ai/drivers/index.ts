/** The drivers by provider; a provider without one is refused when a config using it is compiled. */
import type { Provider } from '../schema.js'
import { anthropic } from './anthropic.js'
import { azure } from './azure.js'
import { bedrock } from './bedrock.js'
import { cohere } from './cohere.js'
import { gemini } from './gemini.js'
import { huggingface } from './huggingface.js'
import { llama2 } from './llama2.js'
import { mistral } from './mistral.js'
import { openai } from './openai.js'
import type { Driver } from './types.js'

export const DRIVERS: Partial<Record<Provider, Driver>> = { openai, azure, anthropic, cohere, mistral, llama2, gemini, huggingface, bedrock }

export type { Driver, Endpoint } from './types.js'
