/**
 * `gateway validate PATH...`: the load path of `serve`, for CI. Each PATH is
 * a config of its own (a directory: its files merged, as serve reads it);
 * with `--merge`, all of them are one config, as serve reads several
 * `--config`. Exit 0 valid, 1 invalid, 2 usage or I/O error.
 */
import { readFile } from 'node:fs/promises'
import { ConfigPathError, configFiles } from '../config/files.js'
import { loadSources, type ConfigSource } from '../config/load.js'
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

/** The files of one config, read; undefined (and said) when one cannot be. */
async function read(paths: readonly string[], io: Io): Promise<ConfigSource[] | undefined> {
  let files: string[]
  try {
    files = await configFiles(paths)
  } catch (err) {
    if (!(err instanceof ConfigPathError)) throw err
    io.err(`${err.path}: cannot read: ${err.reason}`)
    return undefined
  }
  const sources: ConfigSource[] = []
  for (const file of files) {
    try {
      sources.push({ file, text: await readFile(file, 'utf8') })
    } catch (err) {
      io.err(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
      return undefined
    }
  }
  return sources
}

export async function validate(paths: readonly string[], format: Format, io: Io, merge = false): Promise<number> {
  const errors: ConfigIssue[] = []
  let ioFailed = false
  for (const group of merge ? [paths] : paths.map((p) => [p])) {
    const sources = await read(group, io)
    if (!sources) {
      ioFailed = true
      continue
    }
    const result = loadSources(sources, { env: io.env })
    for (const w of result.warnings) {
      if (format === 'github') io.out(githubLine(w))
      else io.err(textLine(w))
    }
    if (result.ok) {
      const name = sources.length === 1 ? sources[0]!.file : `${sources.map((s) => s.file).join(' + ')}`
      if (format === 'text') io.out(`${name}: OK (${summary(result.config)})`)
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
