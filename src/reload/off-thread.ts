/**
 * Loads a large config in a worker thread, so a reload does not stall the
 * requests the gateway is serving (a 10,000-route file takes about a second
 * to parse, validate and normalize). Small files load inline: starting a
 * worker costs more than they do. Any failure of the worker falls back to
 * loading inline, so a reload never depends on it.
 *
 * The worker is started on the first large load, or ahead of it when the
 * reloader starts on a large file (prewarmFor), and then kept (unref'd while
 * idle): a warm worker skips its module loading and runs JIT-compiled code,
 * which halves a 10,000-route load. A valid config comes back in chunks of
 * CHUNK_ENTITIES entities on a port of its own, taken one at a time
 * (receiveMessageOnPort) with the event loop turning in between, so no single
 * deserialization holds up requests for long.
 */
import { stat } from 'node:fs/promises'
import { setImmediate as turn } from 'node:timers/promises'
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads'
import { loadSources, type ConfigSource, type LoadResult } from '../config/load.js'
import { configFiles } from '../config/files.js'
import { deepFreeze, type Config } from '../config/model.js'

/** Files larger than this load off the event loop. */
export const OFF_THREAD_BYTES = 256 * 1024

/** Entities per message when a config comes back from the worker. */
export const CHUNK_ENTITIES = 500

/** Work on the event loop between two turns while a config is received (ms). */
const SLICE_MS = 5

// The entry is a sibling module: .js once compiled, .ts when run from source (tests).
const ENTRY = new URL(import.meta.url.endsWith('.ts') ? './load-worker.ts' : './load-worker.js', import.meta.url)

/** What the parent asks: one config (its files, merged) to load; a valid config's collections come back on `port`. */
export interface LoadRequest {
  id: number
  sources: ConfigSource[]
  env: NodeJS.ProcessEnv
  port: MessagePort
}

/** One slice of one collection, in order. */
export interface ConfigChunk {
  key: string
  items: unknown[]
}

/**
 * The worker's answer: the whole result (an invalid file), or a valid config's
 * other fields with its collections as empty arrays, filled by `chunks` ConfigChunks.
 */
export type LoadReply =
  | { id: number; result: LoadResult }
  | { id: number; chunked: { warnings: LoadResult['warnings']; hash: string; fields: Record<string, unknown>; chunks: number } }

interface Shared {
  worker: Worker
  pending: Map<number, { resolve(r: LoadReply): void; reject(err: Error): void }>
}

let shared: Shared | undefined
let nextId = 0

function loadWorker(warmUp = false): Shared {
  if (shared) return shared
  const worker = new Worker(ENTRY, { workerData: { warmUp } })
  // Idle (or warming up), it must not keep the process alive; a load refs it.
  worker.unref()
  const s: Shared = { worker, pending: new Map() }
  const fail = (err: Error) => {
    if (shared === s) shared = undefined
    for (const p of s.pending.values()) p.reject(err)
    s.pending.clear()
    void worker.terminate()
  }
  worker.on('message', (r: LoadReply) => {
    const p = s.pending.get(r.id)
    if (!p) return
    s.pending.delete(r.id)
    if (s.pending.size === 0) worker.unref()
    p.resolve(r)
  })
  worker.on('error', fail)
  worker.on('exit', (code) => fail(new Error(`config worker exited with ${code}`)))
  shared = s
  return s
}

/** Fills the collections from the port, a chunk at a time, freezing as it goes. */
async function assemble(port: MessagePort, fields: Record<string, unknown>, chunks: number): Promise<Config> {
  const config: Record<string, unknown> = { ...fields }
  let since = performance.now()
  for (let i = 0; i < chunks; i++) {
    if (performance.now() - since >= SLICE_MS) {
      await turn()
      since = performance.now()
    }
    const received = receiveMessageOnPort(port)
    if (!received) throw new Error(`config worker: chunk ${i + 1} of ${chunks} missing`)
    const { key, items } = received.message as ConfigChunk
    const into = config[key]
    if (!Array.isArray(into)) throw new Error(`config worker: chunk for unknown collection ${key}`)
    // Structured clone does not carry Object.freeze: freeze again here.
    for (const item of items) {
      deepFreeze(item)
      into.push(item)
    }
  }
  // The entities are frozen already: this freezes the arrays and the config itself.
  return deepFreeze(config) as unknown as Config
}

async function loadInWorker(sources: readonly ConfigSource[], env: NodeJS.ProcessEnv): Promise<LoadResult> {
  const s = loadWorker()
  const id = nextId++
  const { port1, port2 } = new MessageChannel()
  try {
    const reply = new Promise<LoadReply>((resolve, reject) => s.pending.set(id, { resolve, reject }))
    s.worker.ref()
    const request: LoadRequest = { id, sources: [...sources], env: { ...env }, port: port2 }
    s.worker.postMessage(request, [port2])
    const r = await reply
    if ('result' in r) return r.result
    // Every chunk was queued on port1 before the reply was posted.
    const config = await assemble(port1, r.chunked.fields, r.chunked.chunks)
    return { ok: true, config, warnings: r.chunked.warnings, hash: r.chunked.hash }
  } finally {
    port1.close()
  }
}

/**
 * Starts the worker ahead of the first large reload, and has it load a small
 * generated config meanwhile, so that its modules are loaded and its code is
 * compiled (JIT) by then: a cold worker takes about twice as long over a
 * 10,000-route file. Does nothing if the worker runs already.
 */
export function prewarmLoadWorker(): void {
  try {
    loadWorker(true)
  } catch {
    // The first load starts it (or loads inline).
  }
}

/** Prewarms the worker when the config's files are large enough, together, to be loaded by it. */
export async function prewarmFor(paths: readonly string[]): Promise<void> {
  try {
    let size = 0
    for (const file of await configFiles(paths)) size += (await stat(file)).size
    if (size >= OFF_THREAD_BYTES) prewarmLoadWorker()
  } catch {
    // No file, no warm-up: the first large load starts the worker.
  }
}

/** Loads the files as one config (config/load.ts loadSources), in the worker when they are large together. */
export async function loadOffThread(sources: readonly ConfigSource[], env: NodeJS.ProcessEnv): Promise<LoadResult> {
  const size = sources.reduce((n, s) => n + s.text.length, 0)
  if (size < OFF_THREAD_BYTES) return loadSources(sources, { env })
  try {
    return await loadInWorker(sources, env)
  } catch {
    return loadSources(sources, { env })
  }
}
