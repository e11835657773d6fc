/** ai-request-transformer (Kong PRIORITY 777): the config (kong/plugins/ai-request-transformer/schema.lua). */
import * as z from 'zod'
import { transformerChecks, transformerFields } from '../shared/ai/transformer-schema.js'

export const config = z.strictObject(transformerFields).superRefine(transformerChecks)

export type AiRequestTransformerConfig = z.infer<typeof config>
