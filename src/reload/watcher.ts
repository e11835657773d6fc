/**
 * Notices that the config may have changed. chokidar watches each config
 * file's directory (not the file: editors and the kubelet replace files by
 * rename and symlink swap) and each directory given as a config path, and
 * any event there counts. A slow poll of the files' bytes catches what events
 * miss (network filesystems, dropped events). Decisions about content are the
 * reloader's: this only says "look again".
 */
import { watch, type FSWatcher } from 'chokidar'
import { statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

export interface WatcherOptions {
  /** The config's files and directories. */
  file: string | readonly string[]
  onChange: () => void
  /** Trailing debounce of bursts (ms). */
  debounceMs?: number
  /** Safety poll interval (ms); 0 disables it. */
  pollMs?: number
}

export interface ConfigWatcher {
  /** Resolves once the directory watch is in place. */
  ready: Promise<void>
  close(): Promise<void>
}

/** A directory given is watched itself; a file (or a path not there yet), through its directory. */
function directoryOf(path: string): string {
  const full = resolve(path)
  try {
    if (statSync(full).isDirectory()) return full
  } catch {
    // Not there (yet): its parent is where it will appear.
  }
  return dirname(full)
}

export function watchConfig(opts: WatcherOptions): ConfigWatcher {
  const paths = typeof opts.file === 'string' ? [opts.file] : opts.file
  const dirs = [...new Set(paths.map(directoryOf))]
  const debounceMs = opts.debounceMs ?? 250
  let timer: NodeJS.Timeout | undefined
  const trigger = () => {
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = undefined
      opts.onChange()
    }, debounceMs)
    timer.unref()
  }
  const watcher: FSWatcher = watch(dirs, { depth: 0, ignoreInitial: true, atomic: true })
  watcher.on('all', trigger)
  watcher.on('error', trigger) // a watch error may mean a missed change: look again
  const ready = new Promise<void>((r) => watcher.once('ready', () => r()))
  const poll = opts.pollMs ?? 10_000
  const interval = poll > 0 ? setInterval(() => opts.onChange(), poll) : undefined
  interval?.unref()
  return {
    ready,
    async close() {
      if (timer) clearTimeout(timer)
      if (interval) clearInterval(interval)
      await watcher.close()
    },
  }
}
