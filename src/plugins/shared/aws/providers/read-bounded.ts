/**
 * Reading the small files the credential sources name (the shared
 * credentials file, token files): whole, up to a bound, so a wrong path
 * (a device, a huge file) cannot grow memory or stall. A missing file is
 * `undefined`; other failures carry the path and code, never the content.
 */
import { open } from 'node:fs/promises'
import { SourceFailed } from './types.js'

export async function readBounded(path: string, maxBytes: number): Promise<string | undefined> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw new SourceFailed(`cannot read ${path} (${code ?? 'error'})`)
  }
  try {
    const buf = Buffer.alloc(maxBytes + 1)
    let size = 0
    for (;;) {
      const { bytesRead } = await handle.read(buf, size, buf.length - size, null)
      if (bytesRead === 0) break
      size += bytesRead
      if (size > maxBytes) throw new SourceFailed(`${path} is larger than ${maxBytes} bytes`)
    }
    return buf.subarray(0, size).toString('utf8')
  } catch (err) {
    if (err instanceof SourceFailed) throw err
    throw new SourceFailed(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
  } finally {
    await handle.close()
  }
}
