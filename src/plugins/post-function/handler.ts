/** post-function: the same runner as pre-function (see ../pre-function/functions.ts). */
import { functionsHandler } from '../pre-function/functions.js'

export const handler = functionsHandler('post-function')
