/** `gateway validate FILE...`: the load path of `serve`, for CI. Exit 0 valid, 1 invalid, 2 usage or I/O error. */
import { readFile } from 'node:fs/promises'
import { loadConfig } from '../config/load.js'
import type { ConfigIssue } from '../config/issues.js'
import type { Config } from '../config/model.js'
import { githubLine, jsonEntry, textLine, type Format } from './report.js'

export interface Io {
  out: (line: string) => void
  err: (line: string) => void
  env: NodeJS.ProcessEnv
}

export function summary(config: Config): string {
  const parts: string[] = []
  const count = (n: number, one: string, many = `${one}s`) => n > 0 && parts.push(`${n} ${n === 1 ? one : many}`)
  count(config.services.length, 'service')
  count(config.routes.length, 'route')
  count(config.consumers.length, 'consumer')
  count(config.plugins.length, 'plugin')
  count(config.upstreams.length, 'upstream')
  count(config.targets.length, 'target')
  count(config.certificates.length, 'certificate')
  return parts.length > 0 ? parts.join(', ') : 'no entities'
}

export async function validate(files: readonly string[], format: Format, io: Io): Promise<number> {
  const errors: ConfigIssue[] = []
  let ioFailed = false
  for (const file of files) {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (err) {
      io.err(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
      ioFailed = true
      continue
    }
    const result = loadConfig(text, { file, env: io.env })
    for (const w of result.warnings) {
      if (format === 'github') io.out(githubLine(w))
      else io.err(textLine(w))
    }
    if (result.ok) {
      if (format === 'text') io.out(`${file}: OK (${summary(result.config)})`)
      continue
    }
    errors.push(...result.issues)
    if (format === 'text') for (const i of result.issues) io.out(textLine(i))
    if (format === 'github') for (const i of result.issues) io.out(githubLine(i))
  }
  if (format === 'json') io.out(JSON.stringify(errors.map(jsonEntry), null, 2))
  if (format === 'text' && errors.length > 0) {
    const n = new Set(errors.map((e) => e.file)).size
    io.out(`${errors.length} ${errors.length === 1 ? 'error' : 'errors'} in ${n} ${n === 1 ? 'file' : 'files'}`)
  }
  if (ioFailed) return 2
  return errors.length > 0 ? 1 : 0
}
