/** The drivers by provider; a provider without one is refused when a config using it is compiled. */
import type { Provider } from '../schema.js'
import { openai } from './openai.js'
import type { Driver } from './types.js'

export const DRIVERS: Partial<Record<Provider, Driver>> = { openai }

export type { Driver, Endpoint } from './types.js'
