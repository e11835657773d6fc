// The `gateway` command as a user runs it: a real process, its exit code and both streams.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gateway')

export interface CliResult {
  code: number | null
  out: string
  err: string
}

/** Runs `gateway ...args` with only PATH and `env` in its environment. */
export function gatewayCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, out, err }))
  })
}

/** A temporary directory for files a test writes; removed by `cleanup` (pass it to t.teardown). */
export function tempFiles(prefix: string): { file(name: string, text: string): string; dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return {
    dir,
    file(name, text) {
      const p = join(dir, name)
      writeFileSync(p, text)
      return p
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  }
}

export interface ServeRun {
  child: ChildProcess
  /** The `gateway started` log line (its `proxy` and `admin` addresses); rejects if the process exits first. */
  started: Promise<Record<string, unknown> & { proxy: string[]; admin?: string }>
  exited: Promise<number | null>
  output(): { out: string; err: string }
}

/**
 * `gateway serve ...args` as a process with only PATH and `env` in its environment, for
 * tests of flags and exits (helpers/serve-process.ts reads its log lines one by one).
 */
export function serveRun(args: readonly string[], env: Record<string, string> = {}): ServeRun {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const started = new Promise<ServeRun['started'] extends Promise<infer S> ? S : never>((resolve, reject) => {
    child.stdout.on('data', () => {
      const line = out.split('\n').find((l) => l.includes('"gateway started"'))
      if (line) resolve(JSON.parse(line) as Record<string, unknown> & { proxy: string[] })
    })
    void exited.then((code) => reject(new Error(`exited ${code}: ${err}`)))
  })
  started.catch(() => {}) // tests that expect an exit do not await it
  return { child, started, exited, output: () => ({ out, err }) }
}

/** SIGTERM unless it already exited; resolves with the exit code. */
export async function stopServe(p: { child: ChildProcess; exited: Promise<number | null> }): Promise<number | null> {
  if (p.child.exitCode === null) p.child.kill('SIGTERM')
  return p.exited
}
