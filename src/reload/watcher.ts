/**
 * Notices that the config file may have changed. chokidar watches the file's
 * directory (not the file: editors and the kubelet replace files by rename and
 * symlink swap), and any event there counts. A slow poll of the file's bytes
 * catches what events miss (network filesystems, dropped events). Decisions
 * about content are the reloader's: this only says "look again".
 */
import { watch, type FSWatcher } from 'chokidar'
import { dirname, resolve } from 'node:path'

export interface WatcherOptions {
  file: string
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

export function watchConfig(opts: WatcherOptions): ConfigWatcher {
  const file = resolve(opts.file)
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
  const watcher: FSWatcher = watch(dirname(file), { depth: 0, ignoreInitial: true, atomic: true })
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
