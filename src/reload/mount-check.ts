/**
 * Warns about a config that can never be reloaded: a file bind-mounted on its
 * own (Docker `-v file:file`, Kubernetes `subPath`) keeps its inode, so edits
 * to the source never show up inside the container.
 */
import { readFileSync, realpathSync } from 'node:fs'
import { resolve } from 'node:path'

/** A warning message, or undefined when the file is not a single-file mount (or it cannot be told). */
export function singleFileMount(file: string, mountinfo = '/proc/self/mountinfo'): string | undefined {
  let real: string
  let table: string
  try {
    real = realpathSync(resolve(file))
    table = readFileSync(mountinfo, 'utf8')
  } catch {
    return undefined
  }
  // Field 5 of each line is the mount point, with spaces escaped as \040.
  for (const line of table.split('\n')) {
    const mountPoint = line.split(' ')[4]?.replace(/\\040/g, ' ')
    if (mountPoint === real) {
      return `${file} is a single-file mount (Docker file bind mount or Kubernetes subPath): changes to its source will never reach the gateway. Mount the directory instead.`
    }
  }
  return undefined
}
