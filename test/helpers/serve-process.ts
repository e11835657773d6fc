// `gateway serve` as a child process (bin/gateway, so `npm run build` first):
// its JSON log lines as they come, a wait for a line that matches, and a kill
// when the test ends. For what only a real process shows (--workers).
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gateway')

export type LogLine = Record<string, unknown> & { msg?: string }

export interface ServeProcess {
  child: ChildProcess
  exited: Promise<number | null>
  lines: LogLine[]
  /** The first log line (already seen or to come) that matches; rejects if the process exits first. */
  waitFor(match: (l: LogLine) => boolean): Promise<LogLine>
}

// A test that times out may end its process before its teardown runs: kill what is
// still running then, so no gateway outlives the test file.
const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/** `env` adds variables to the child's otherwise bare environment (PATH only). */
export function serveProcess(t: { teardown(fn: () => Promise<void>): void }, args: string[], env: Record<string, string> = {}): ServeProcess {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', ...env } })
  running.add(child)
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      running.delete(child)
      resolve(code)
    }),
  )
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })
  const lines: LogLine[] = []
  const waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = []
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: LogLine
    try {
      line = JSON.parse(text) as LogLine
    } catch {
      return
    }
    lines.push(line)
    for (const w of [...waiters]) {
      if (!w.match(line)) continue
      waiters.splice(waiters.indexOf(w), 1)
      w.resolve(line)
    }
  })
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const waitFor = (match: (l: LogLine) => boolean) => {
    const seen = lines.find(match)
    if (seen) return Promise.resolve(seen)
    return new Promise<LogLine>((resolve, reject) => {
      waiters.push({ match, resolve })
      void exited.then((code) => reject(new Error(`gateway exited (${code}) first: ${stderr}`)))
    })
  }
  return { child, exited, lines, waitFor }
}
