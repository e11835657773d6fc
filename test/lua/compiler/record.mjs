#!/usr/bin/env node
// Records what LuaJIT prints for every snippet of test/lua/compiler/cases/*.lua
// into cases/expected.json, which snippets.test.ts compares this runtime with
// (and, when /usr/bin/luajit is present, LuaJIT itself again).
//
//   node test/lua/compiler/record.mjs
//
// A case file holds snippets, each starting with a line `--- name`. A snippet
// runs as `luajit - < snippet` (chunk name "=stdin"): expected is its stdout and
// the first line of stderr without the "luajit: " prefix. A snippet must end
// within 10 s.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const dir = join(dirname(fileURLToPath(import.meta.url)), 'cases')

export function readCases() {
  const cases = []
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.lua'))
    .sort()) {
    const text = readFileSync(join(dir, file), 'utf8')
    const parts = text.split(/^--- (.+)$/m)
    for (let i = 1; i < parts.length; i += 2) cases.push({ name: `${file.replace(/\.lua$/, '')}/${parts[i].trim()}`, lua: parts[i + 1].replace(/^\n/, '') })
  }
  return cases
}

export function runLuajit(lua) {
  const r = spawnSync('/usr/bin/luajit', ['-'], { input: Buffer.from(lua, 'utf8'), timeout: 10_000 })
  const stderr = r.stderr.toString('utf8')
  const out = { out: r.stdout.toString('latin1') }
  if (r.status !== 0) out.err = stderr.split('\n')[0].replace(/^(?:\/usr\/bin\/)?luajit: /, '')
  return out
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const expected = {}
  const names = new Set()
  for (const c of readCases()) {
    if (names.has(c.name)) throw new Error(`duplicate case ${c.name}`)
    names.add(c.name)
    expected[c.name] = runLuajit(c.lua)
  }
  const file = join(dir, 'expected.json')
  // Written as the repository's Prettier would format it, so `npm run lint` stays clean.
  const prettier = await import('prettier')
  const options = { ...(await prettier.resolveConfig(file)), filepath: file }
  writeFileSync(file, await prettier.format(JSON.stringify(expected), options))
  console.log(`${names.size} cases recorded`)
}
