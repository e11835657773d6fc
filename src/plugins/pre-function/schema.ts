/** pre-function (Kong PRIORITY 1000000): user Lua run first in each phase. */
import { functionsConfig, functionsPlugin } from './functions.js'

export const config = functionsConfig('pre-function')

export default functionsPlugin('pre-function', 1000000, config)
