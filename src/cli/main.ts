/**
 * The gateway's command line. The only module that reads argv or decides the
 * exit code. Each command's module is imported when it runs: `gateway
 * validate` loads the config layer only, never the servers or plugin handlers.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { VERSION } from '../version.js'
import { FORMATS, type Format } from './report.js'
import { EXPLAIN_USAGE, SERVE_USAGE } from './usage.js'
import { luaRequires, REQUIRES_OPTION } from './lua-requires.js'
import type { Io } from './validate.js'

const USAGE = `Usage:
${SERVE_USAGE}
  gateway validate PATH... [--merge] [--format text|json|github] [--untrusted-lua-sandbox-requires MOD,...]
      Check declarative files exactly as the gateway loads them (the flag, or
      GATEWAY_UNTRUSTED_LUA_SANDBOX_REQUIRES, is checked as serve checks it).
      Each PATH is one config; a directory is its *.yml, *.yaml and *.json merged.
      --merge: all PATHs are one config, as serve merges several --config.
      Exit 0 when every file is valid, 1 when one is not, 2 on usage or I/O errors.
${EXPLAIN_USAGE}
  gateway diff OLD NEW [--format text|json|github]
      The entity-level change between two declarative files (created, updated,
      deleted entities, the fields that changed, secrets redacted) and the routes
      whose behaviour changes. Exit 0 when both load to the same configuration,
      1 when they differ, 2 on usage or I/O errors or an invalid file.
  gateway schemas [--out FILE] [--check]
      Print (or write) the JSON Schema of kong.yml; --check exits 1 when FILE is out of date.
  gateway --version`

async function run(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv
  if (command === '--version' || command === '-v') {
    io.out(VERSION)
    return 0
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.out(USAGE)
    return command === undefined ? 2 : 0
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command === 'serve' ? `Usage:\n${SERVE_USAGE}` : USAGE)
    return 0
  }
  switch (command) {
    case 'validate': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { format: { type: 'string', default: 'text' }, merge: { type: 'boolean', default: false }, ...REQUIRES_OPTION },
      })
      if (!(FORMATS as readonly string[]).includes(values.format)) {
        io.err(`gateway validate: --format must be one of: ${FORMATS.join(', ')}`)
        return 2
      }
      if (positionals.length === 0) {
        io.err('gateway validate: expected at least one declarative configuration file')
        return 2
      }
      try {
        // what serve would refuse to start with (the list does not change what a file means)
        luaRequires(values['untrusted-lua-sandbox-requires'], io.env)
      } catch (err) {
        io.err(`gateway validate: ${(err as Error).message}`)
        return 2
      }
      const { validate } = await import('./validate.js')
      return validate(positionals, values.format as Format, io, values.merge)
    }
    case 'diff': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { format: { type: 'string', default: 'text' } } })
      if (!(FORMATS as readonly string[]).includes(values.format)) {
        io.err(`gateway diff: --format must be one of: ${FORMATS.join(', ')}`)
        return 2
      }
      if (positionals.length !== 2) {
        io.err('gateway diff: expected two declarative configuration files: OLD NEW')
        return 2
      }
      const { diff } = await import('./diff.js')
      return diff(positionals[0]!, positionals[1]!, values.format as Format, io)
    }
    case 'serve':
      return (await import('./serve.js')).serve(rest, io)
    case 'explain':
      return (await import('./explain.js')).explainCommand(rest, io)
    case 'schemas': {
      const { values } = parseArgs({ args: rest, options: { out: { type: 'string' }, check: { type: 'boolean', default: false } } })
      const [{ jsonSchema }, { registry }] = await Promise.all([import('./schemas.js'), import('../plugins/registry.js')])
      const text = jsonSchema(registry)
      if (values.check) {
        if (!values.out) {
          io.err('gateway schemas: --check needs --out FILE')
          return 2
        }
        const current = await readFile(values.out, 'utf8').catch(() => '')
        if (current !== text) {
          io.err(`${values.out} is out of date: run \`npm run schemas\``)
          return 1
        }
        return 0
      }
      if (values.out) await writeFile(values.out, text)
      else io.out(text)
      return 0
    }
    default:
      io.err(`gateway: unknown command '${command}'\n${USAGE}`)
      return 2
  }
}

export async function main(argv: string[]): Promise<void> {
  // `gateway validate ... | head` closes stdout early: that is not a failure.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    throw err
  })
  const io: Io = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`), env: process.env }
  try {
    process.exitCode = await run(argv, io)
  } catch (err) {
    // parseArgs throws on unknown flags (a usage error); anything else is a bug, reported, not a crash.
    io.err(`gateway: ${(err as Error).message}`)
    process.exitCode = 2
  }
}

export { run }
