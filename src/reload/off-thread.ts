/**
 * Loads a large config in a worker thread, so a reload does not stall the
 * requests the gateway is serving (a 10,000-route file takes about a second
 * to parse, validate and normalize). Small files load inline: starting a
 * worker costs more than they do. Any failure of the worker falls back to
 * loading inline, so a reload never depends on it.
 */
import { Worker } from 'node:worker_threads'
import { loadConfig, type LoadResult } from '../config/load.js'
import { deepFreeze } from '../config/model.js'

/** Files larger than this load off the event loop. */
export const OFF_THREAD_BYTES = 256 * 1024

// The entry is a sibling module: .js once compiled, .ts when run from source (tests).
const ENTRY = new URL(import.meta.url.endsWith('.ts') ? './load-worker.ts' : './load-worker.js', import.meta.url)

export async function loadOffThread(text: string, file: string, env: NodeJS.ProcessEnv): Promise<LoadResult> {
  if (text.length < OFF_THREAD_BYTES) return loadConfig(text, { file, env })
  try {
    const result = await new Promise<LoadResult>((resolve, reject) => {
      const worker = new Worker(ENTRY)
      worker.once('message', (r: LoadResult) => {
        resolve(r)
        void worker.terminate()
      })
      worker.once('error', reject)
      worker.once('exit', (code) => reject(new Error(`config worker exited with ${code}`)))
      worker.postMessage({ text, file, env: { ...env } })
    })
    // Structured clone does not carry Object.freeze: freeze again here.
    if (result.ok) deepFreeze(result.config)
    return result
  } catch {
    return loadConfig(text, { file, env })
  }
}
