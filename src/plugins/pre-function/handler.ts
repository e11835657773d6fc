/** pre-function: the per-phase Lua arrays, compiled once per config (see functions.ts). */
import { functionsHandler } from './functions.js'

export const handler = functionsHandler('pre-function')
