/**
 * `gateway diff OLD NEW`: what a change to the declarative file changes. Both
 * files go through the load path of `serve`; the entity-level change and the
 * routes whose behaviour changes are rendered as text, JSON or Markdown for a
 * pull request. Exit 0 when both load to the same configuration, 1 when they
 * differ, 2 on usage or I/O errors or an invalid file.
 */
import type { ConfigIssue } from '../config/issues.js'
import { registry } from '../plugins/registry.js'
import { diffEntities } from './diff/entities.js'
import { renderGithub } from './diff/github.js'
import { renderJson } from './diff/json.js'
import { isEqual, type DiffResult } from './diff/result.js'
import { routeImpacts } from './diff/routes.js'
import { loadSnapshot, type Snapshot } from './diff/snapshot.js'
import { renderText } from './diff/text.js'
import { githubLine, jsonEntry, textLine, type Format } from './report.js'
import type { Io } from './validate.js'

/** An invalid file: the problems `gateway validate` reports, in the chosen format. */
function reportInvalid(issues: readonly ConfigIssue[], format: Format, io: Io): void {
  if (format === 'json') io.out(JSON.stringify({ errors: issues.map(jsonEntry) }, null, 2))
  else if (format === 'text') {
    for (const i of issues) io.out(textLine(i))
    const n = new Set(issues.map((e) => e.file)).size
    io.out(`${issues.length} ${issues.length === 1 ? 'error' : 'errors'} in ${n} ${n === 1 ? 'file' : 'files'}`)
  } else {
    // stdout is the pull-request comment; the annotations go to the log, where the runner reads them too.
    for (const i of issues) io.err(githubLine(i))
    io.out(`### \`gateway diff\`: invalid configuration\n\n\`\`\`\n${issues.map((i) => textLine(i).replace(/`{3,}/g, "'''")).join('\n')}\n\`\`\`\n`)
  }
}

export async function diff(oldFile: string, newFile: string, format: Format, io: Io): Promise<number> {
  const loaded = await Promise.all([loadSnapshot(oldFile, io.env), loadSnapshot(newFile, io.env)])
  const issues: ConfigIssue[] = []
  let ioFailed = false
  const snapshots: Snapshot[] = []
  for (const [i, r] of loaded.entries()) {
    // `gateway diff kong.yml kong.yml`: one file, reported once.
    const repeat = i === 1 && oldFile === newFile
    if ('io' in r) {
      if (repeat) return 2
      io.err(r.io)
      ioFailed = true
      continue
    }
    if (!repeat) for (const w of r.warnings) io.err(format === 'github' ? githubLine(w) : textLine(w))
    if (r.ok) snapshots.push(r.snapshot)
    else if (!repeat) issues.push(...r.issues)
  }
  if (issues.length > 0) reportInvalid(issues, format, io)
  if (ioFailed || issues.length > 0) return 2
  const [a, b] = snapshots as [Snapshot, Snapshot]
  const entities = diffEntities(a, b, registry)
  const result: DiffResult = { old: oldFile, new: newFile, changes: entities.changes, routes: await routeImpacts(entities, a.config, b.config) }
  if (format === 'json') io.out(renderJson(result))
  else if (format === 'github') io.out(renderGithub(result))
  else for (const line of renderText(result)) io.out(line)
  return isEqual(result) ? 0 : 1
}
