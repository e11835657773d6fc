/** post-function: the per-phase Lua arrays, compiled once per instance (see ../shared/serverless.ts). */
import { functionsFactory } from '../shared/serverless.js'

export default functionsFactory('post-function')
