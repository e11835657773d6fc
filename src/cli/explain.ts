/**
 * `gateway explain FILE METHOD URL`: what the gateway would do with one
 * request, from the file alone. The file is loaded and compiled exactly as
 * `serve` compiles it (the same Runtime: router, chains, balancers), asked,
 * and thrown away. Exit 0 when a route matched, 1 when none did (Kong's 404),
 * 2 on usage, I/O or an invalid file (the errors `gateway validate` prints).
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { compileRuntime, pluginsOf } from '../compile/runtime.js'
import { loadConfig } from '../config/load.js'
import { redactForConfig } from '../config/secrets/index.js'
import { createNodeState } from '../node/state.js'
import { BUNDLED_PLUGINS } from '../plugins/set.js'
import { explain } from '../runtime/explain/explain.js'
import { renderText } from '../runtime/explain/text.js'
import { textLine } from './report.js'
import { EXPLAIN_USAGE } from './usage.js'
import type { Io } from './validate.js'

export async function explainCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      header: { type: 'string', short: 'H', multiple: true },
      consumer: { type: 'string' },
      sni: { type: 'string' },
      'client-ip': { type: 'string' },
      format: { type: 'string', default: 'text' },
    },
  })
  if (values.format !== 'text' && values.format !== 'json') {
    io.err('gateway explain: --format must be one of: text, json')
    return 2
  }
  if (positionals.length !== 3) {
    io.err(`gateway explain: expected FILE METHOD URL\n${EXPLAIN_USAGE}`)
    return 2
  }
  const [file, method, url] = positionals as [string, string, string]
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    io.err(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    return 2
  }
  const loaded = loadConfig(text, { file, env: io.env })
  for (const w of loaded.warnings) io.err(textLine(w))
  if (!loaded.ok) {
    for (const i of loaded.issues) io.err(textLine(i))
    return 2
  }
  const node = createNodeState()
  try {
    let runtime
    try {
      await BUNDLED_PLUGINS.prepare(pluginsOf(loaded.config))
      runtime = compileRuntime(loaded.config, loaded.hash, { node, plugins: BUNDLED_PLUGINS })
    } catch (err) {
      io.err(`${file}: ${redactForConfig((err as Error).message, loaded.config, BUNDLED_PLUGINS.registry)}`)
      return 2
    }
    try {
      const answer = explain(runtime, { method, url, headers: values.header ?? [], consumer: values.consumer, sni: values.sni, clientIp: values['client-ip'] })
      if ('error' in answer) {
        io.err(`gateway explain: ${answer.error}`)
        return 2
      }
      io.out(values.format === 'json' ? JSON.stringify(answer, null, 2) : renderText(answer))
      return answer.matched ? 0 : 1
    } finally {
      runtime.dispose()
    }
  } finally {
    await node.close()
  }
}
