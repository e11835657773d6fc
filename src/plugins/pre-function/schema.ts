/** pre-function's config: the per-phase Lua arrays (shared with post-function). */
import { functionsConfig } from '../shared/serverless-schema.js'

export const config = functionsConfig('pre-function')
