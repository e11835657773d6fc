/** Worker-thread entry: loads configs off the event loop, one request at a time (see off-thread.ts). */
import { parentPort, workerData } from 'node:worker_threads'
import { loadConfig, loadSources } from '../config/load.js'
import { CHUNK_ENTITIES, type ConfigChunk, type LoadReply, type LoadRequest } from './off-thread.js'

parentPort?.on('message', (m: LoadRequest) => {
  const result = loadSources(m.sources, { env: m.env })
  let reply: LoadReply
  if (!result.ok) {
    reply = { id: m.id, result }
  } else {
    // The config is plain data (frozen objects, no functions): it clones as is,
    // a collection slice at a time, so the parent can take it in short steps.
    const fields: Record<string, unknown> = {}
    let chunks = 0
    for (const [key, value] of Object.entries(result.config)) {
      if (!Array.isArray(value)) {
        fields[key] = value
        continue
      }
      fields[key] = []
      for (let i = 0; i < value.length; i += CHUNK_ENTITIES) {
        const chunk: ConfigChunk = { key, items: value.slice(i, i + CHUNK_ENTITIES) }
        m.port.postMessage(chunk)
        chunks++
      }
    }
    reply = { id: m.id, chunked: { warnings: result.warnings, hash: result.hash, fields, chunks } }
  }
  // After the chunks: they are all on the parent's port when it reads this.
  parentPort?.postMessage(reply)
})

/**
 * Loads a generated config of 1,000 services with a route each and throws the
 * result away: run once when the worker is started ahead of a reload, so the
 * loader's code is optimized by the time a real file comes (requests queue meanwhile).
 */
function warmUp(): void {
  const parts = ['_format_version: "3.0"\nservices:\n']
  for (let i = 0; i < 1000; i++) {
    parts.push(
      `- name: warm-${i}\n  url: http://warm-${i % 10}.internal:8080/v1\n  retries: 3\n  tags: [warm]\n` +
        `  routes:\n  - name: warm-${i}\n    paths: [/warm-${i}]\n    methods: [GET, POST]\n    hosts: [w${i % 5}.example.com]\n    strip_path: false\n`,
    )
  }
  loadConfig(parts.join(''), { file: 'warm-up.yml', env: {} })
}

if ((workerData as { warmUp?: boolean } | undefined)?.warmUp) warmUp()
