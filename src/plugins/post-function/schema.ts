/** post-function's config: the per-phase Lua arrays (shared with pre-function). */
import { functionsConfig } from '../shared/serverless-schema.js'

export const config = functionsConfig('post-function')
