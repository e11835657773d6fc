/**
 * Applies file changes: read → hash → load → compile → swap, one at a time.
 * A change that arrives during a reload runs one more reload after it. An
 * invalid file changes nothing: the running config keeps serving and the
 * problems are kept for the status API until a valid file is on disk again
 * (a new one applied, or the served one back). The refused bytes are judged
 * once: looking again at the same bytes (the periodic re-check) neither loads,
 * nor reports, nor counts them again; only SIGHUP (`force`) does.
 */
import { readFile } from 'node:fs/promises'
import { ConfigPathError, configFiles } from '../config/files.js'
import type { ConfigIssue } from '../config/issues.js'
import { loadSources, sourcesHash, type ConfigSource } from '../config/load.js'
import { redactForConfig } from '../config/secrets/index.js'
import { loadOffThread, prewarmFor } from './off-thread.js'
import { reachable, type Reach } from '../compile/reach.js'
import { compileRouterAsync } from '../compile/router.js'
import { compileRuntime, pluginsOf, type CompileOptions } from '../compile/runtime.js'
import type { NodeState } from '../node/state.js'
import { BUNDLED_PLUGINS, type PluginSet } from '../plugins/set.js'
import type { RuntimeHolder } from './holder.js'

export interface ReloadResult {
  result: 'applied' | 'unchanged' | 'invalid' | 'unreadable'
  at: Date
  hash?: string | undefined
  durationMs: number
  issues?: ConfigIssue[] | undefined
  /** In the history only: how many issues past the first HISTORY_ISSUES were dropped. */
  omittedIssues?: number | undefined
  error?: string | undefined
}

export interface ReloaderOptions {
  /** The config's files and directories (config/files.ts), merged as one. */
  file: string | readonly string[]
  holder: RuntimeHolder
  env?: NodeJS.ProcessEnv
  /** How long a replaced Runtime lives on for requests that pinned it (ms). */
  retireAfterMs?: number
  onResult?: (r: ReloadResult) => void
  /** Where plugin instances log. */
  pluginLog?: CompileOptions['pluginLog']
  /** The plugin set (default: the bundled plugins; custom sets are loaded on the main thread: the load worker knows only the bundled plugins). */
  plugins?: PluginSet | undefined
  /** The node every new Runtime borrows from (default: the current Runtime's). */
  node?: NodeState | undefined
}

export interface Reloader {
  /** Looks at the file again; `force` reloads even when the bytes are unchanged (SIGHUP). */
  request(force?: boolean): Promise<ReloadResult>
  readonly last: ReloadResult | undefined
  /** The last failure, until the file on disk is valid again (applied, or the one being served). */
  readonly lastError: ReloadResult | undefined
  readonly counts: Readonly<Record<ReloadResult['result'], number>>
  /**
   * The last HISTORY_SIZE results that changed something or failed (applied,
   * invalid, unreadable), oldest first; `unchanged` re-checks are only counted
   * (the periodic re-check would otherwise push every failure out).
   */
  readonly history: readonly ReloadResult[]
  close(): void
}

interface Retiring {
  dispose(): void
  reach: Reach
}

/** How many reload results the history keeps: enough to see a run of failures and what fixed it, bounded whatever the churn. */
export const HISTORY_SIZE = 50
/** Issues kept per history entry (a file can have thousands; the last result keeps them all). */
export const HISTORY_ISSUES = 20

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Lists and reads the files, riding out the moments of a swap when one is
 * missing or empty (a directory is listed again on each try: the swap may add
 * or remove a file).
 */
async function readSettled(paths: readonly string[]): Promise<ConfigSource[]> {
  let delay = 50
  for (let attempt = 0; ; attempt++) {
    try {
      const files = await configFiles(paths)
      const sources = await Promise.all(files.map(async (file) => ({ file, text: await readFile(file, 'utf8') })))
      if (sources.every((s) => s.text.length > 0) || attempt >= 4) return sources
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if ((code !== 'ENOENT' && code !== 'EISDIR') || attempt >= 4) throw err
    }
    await sleep(delay)
    delay *= 2
  }
}

export function createReloader(opts: ReloaderOptions): Reloader {
  let running: Promise<ReloadResult> | undefined
  let again = false
  let againForce = false
  let last: ReloadResult | undefined
  let lastError: ReloadResult | undefined
  const counts = { applied: 0, unchanged: 0, invalid: 0, unreadable: 0 }
  const history: ReloadResult[] = []
  const retiring = new Map<NodeJS.Timeout, Retiring>()
  const paths = typeof opts.file === 'string' ? [opts.file] : [...opts.file]
  // A large config will be reloaded by the load worker: start it now, warm, rather than on the first change.
  void prewarmFor(paths)

  const once = async (force: boolean): Promise<ReloadResult> => {
    const started = performance.now()
    const done = (r: Omit<ReloadResult, 'at' | 'durationMs'>): ReloadResult => {
      const full: ReloadResult = { ...r, at: new Date(), durationMs: Math.round(performance.now() - started) }
      counts[full.result]++
      last = full
      if (full.result === 'invalid' || full.result === 'unreadable') lastError = full
      else if (full.result === 'applied') lastError = undefined
      if (full.result !== 'unchanged') {
        const many = full.issues !== undefined && full.issues.length > HISTORY_ISSUES
        history.push(many ? { ...full, issues: full.issues!.slice(0, HISTORY_ISSUES), omittedIssues: full.issues!.length - HISTORY_ISSUES } : full)
        if (history.length > HISTORY_SIZE) history.shift()
      }
      opts.onResult?.(full)
      return full
    }
    let sources: ConfigSource[]
    try {
      sources = await readSettled(paths)
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      // A path's problem names that path (config/files.ts); a read error of one file, that file.
      const error = err instanceof ConfigPathError ? err.message : `${e.path ?? paths.join(', ')}: ${e.code ?? e.message}`
      // The same read failure as last time (a file left missing): already reported.
      if (!force && lastError?.result === 'unreadable' && lastError.error === error) return lastError
      return done({ result: 'unreadable', error })
    }
    const hash = sourcesHash(sources)
    if (!force && hash === opts.holder.current().hash) {
      // The file being served is on disk again: whatever was refused meanwhile is no longer what is wrong.
      lastError = undefined
      return done({ result: 'unchanged', hash })
    }
    // The bytes refused last time, still there: judged and reported once, not on every re-check.
    if (!force && lastError?.result === 'invalid' && lastError.hash === hash) return lastError
    const env = opts.env ?? process.env
    const loaded = opts.plugins ? loadSources(sources, { env, registry: opts.plugins.registry }) : await loadOffThread(sources, env)
    if (!loaded.ok) return done({ result: 'invalid', hash, issues: loaded.issues })
    let next
    try {
      const plugins = opts.plugins ?? BUNDLED_PLUGINS
      await plugins.prepare(pluginsOf(loaded.config))
      // The router is most of a large compile: built in slices, between which requests are served.
      const router = await compileRouterAsync(loaded.config)
      const node = opts.node ?? opts.holder.current().node
      next = compileRuntime(loaded.config, hash, { node, router, pluginLog: opts.pluginLog, plugins })
    } catch (err) {
      // A plugin's error may quote its settings: never its secrets (they go to the log and /status).
      const registry = (opts.plugins ?? BUNDLED_PLUGINS).registry
      return done({ result: 'invalid', hash, error: redactForConfig((err as Error).message, loaded.config, registry) })
    }
    const previous = opts.holder.swap(next)
    const node = next.node
    // Requests that pinned the old Runtime keep it alive themselves; here only what
    // retiring needs is kept (its dispose and what it could reach), not the Runtime,
    // so a burst of reloads does not hold every replaced router and config for the grace period.
    const retire: Retiring = { dispose: previous.dispose, reach: reachable(previous.config) }
    const t = setTimeout(() => {
      retiring.delete(t)
      retire.dispose()
      // Release what only the retired config used, keeping what the current and
      // the still-retiring configs may use.
      const origins = new Set<string>()
      const healthKeys = new Set<string>()
      for (const r of [reachable(opts.holder.current().config), ...[...retiring.values()].map((x) => x.reach)]) {
        for (const o of r.origins) origins.add(o)
        for (const k of r.healthKeys) healthKeys.add(k)
      }
      node.pools.retain(origins)
      node.health.retain(healthKeys)
    }, opts.retireAfterMs ?? 60_000)
    t.unref()
    retiring.set(t, retire)
    return done({ result: 'applied', hash })
  }

  const request = (force = false): Promise<ReloadResult> => {
    if (running) {
      again = true
      againForce ||= force
      return running
    }
    running = (async () => {
      let r = await once(force)
      while (again) {
        const f = againForce
        again = againForce = false
        r = await once(f)
      }
      running = undefined
      return r
    })()
    return running
  }

  return {
    request,
    get last() {
      return last
    },
    get lastError() {
      return lastError
    },
    counts,
    history,
    close() {
      for (const [t, r] of retiring) {
        clearTimeout(t)
        r.dispose()
      }
      retiring.clear()
    },
  }
}
