/** Worker-thread entry: loads one config off the event loop (see off-thread.ts). */
import { parentPort } from 'node:worker_threads'
import { loadConfig } from '../config/load.js'

parentPort?.once('message', (m: { text: string; file: string; env: NodeJS.ProcessEnv }) => {
  // The result is plain data (frozen objects, no functions): it clones to the parent as is.
  parentPort?.postMessage(loadConfig(m.text, { file: m.file, env: m.env }))
})
