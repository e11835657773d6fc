/** post-function (Kong PRIORITY -1000): user Lua run last in each phase. */
import { functionsConfig, functionsPlugin } from '../pre-function/functions.js'

export const config = functionsConfig('post-function')

export default functionsPlugin('post-function', -1000, config)
