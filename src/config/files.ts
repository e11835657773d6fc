/**
 * The files a config is read from: the paths given, with each directory
 * replaced by the `*.yml`, `*.yaml` and `*.json` files directly in it, in name
 * order. Names starting with a dot are skipped: editors' swap files, and the
 * `..data` link and `..2026_12_07_...` directories through which Kubernetes
 * swaps a mounted ConfigMap or Secret (the keys themselves are links at the
 * top of the directory, read through `..data`, so the current version is read).
 */
import { readdir, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'

const CONFIG_FILE = /\.(?:ya?ml|json)$/i

/** A path that names nothing to load: `PATH: REASON`, where the reason is an errno code or a sentence. */
export class ConfigPathError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
    readonly code: string,
  ) {
    super(`${path}: ${reason}`)
    this.name = 'ConfigPathError'
  }
}

/** Every file to load, in load order (a file named twice is loaded once, where first named). */
export async function configFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = []
  const seen = new Set<string>()
  const add = (file: string) => {
    const key = resolve(file)
    if (seen.has(key)) return
    seen.add(key)
    out.push(file)
  }
  for (const path of paths) {
    let s
    try {
      s = await stat(path)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO'
      throw new ConfigPathError(path, code, code)
    }
    if (!s.isDirectory()) {
      add(path)
      continue
    }
    const names = (await readdir(path)).filter((n) => !n.startsWith('.') && CONFIG_FILE.test(n)).sort()
    let found = 0
    for (const name of names) {
      const file = join(path, name)
      let f
      try {
        f = await stat(file)
      } catch (err) {
        // A link to nothing (a key the kubelet links before its target exists): not skipped, which
        // would load the config without that file; the reloader retries, then keeps what it serves.
        const code = (err as NodeJS.ErrnoException).code ?? 'EIO'
        throw new ConfigPathError(file, code === 'ENOENT' ? 'a link to nothing (ENOENT)' : code, code)
      }
      if (!f.isFile()) continue
      add(file)
      found++
    }
    if (found === 0) throw new ConfigPathError(path, 'no *.yml, *.yaml or *.json files in this directory', 'ENOENT')
  }
  return out
}
