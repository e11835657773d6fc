// Secrets in errors (issue 12, item 8): a value echoed in a problem's message
// is redacted when it is, or is inside, a secret field, a credential, or a
// value from the environment or a vault: in `gateway validate` (text, json,
// github), in what a reload logs and in /status `last_error`. Supabase's real
// file (rendered, ../shared/corpus/supabase-rendered) and small synthetic files.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { textLine } from '../../src/cli/report.js'
import { validate } from '../../src/cli/validate.js'
import { loadConfig } from '../../src/config/load.js'
import { redactForConfig } from '../../src/config/secrets/index.js'
import { registry } from '../../src/plugins/registry.js'
import type { ReloadResult } from '../../src/reload/reloader.js'
import * as z from 'zod'
import { referenceable } from '../../src/config/schema/typedefs.js'
import { pluginSet } from '../../src/plugins/set.js'
import { ANY_SCOPE, definePlugin, PROTOCOLS_ALL } from '../../src/plugins/types.js'
import { startGateway } from '../../src/server/gateway.js'
import { fetchRaw, gateway } from '../helpers/gateway.js'

const SUPABASE = join(import.meta.dirname, '..', '..', '..', 'shared', 'corpus', 'supabase-rendered')
const dir = mkdtempSync(join(tmpdir(), 'gw-secrets-'))

/** `gateway validate` in each format, in process: everything it printed, per format. */
async function validateOutputs(file: string, env: NodeJS.ProcessEnv = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const format of ['text', 'json', 'github'] as const) {
    const lines: string[] = []
    await validate([file], format, { out: (l) => lines.push(l), err: (l) => lines.push(l), env })
    out[format] = lines.join('\n')
  }
  return out
}

function write(name: string, text: string): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

function noneOf(t: Test, text: string, secrets: readonly string[], where: string): void {
  for (const s of secrets) t.notOk(text.includes(s), `${where}: no ${s.slice(0, 24)}…`)
}

// ---------------------------------------------------------------- Supabase's file

// The keys render.mjs put in the file; DASHBOARD_USERNAME is a user name, not a secret.
function supabaseSecrets(): string[] {
  const keys = JSON.parse(readFileSync(join(SUPABASE, 'keys.json'), 'utf8')) as Record<string, string>
  return Object.entries(keys)
    .filter(([k]) => k !== 'DASHBOARD_USERNAME')
    .map(([, v]) => v)
}

/** The file with every request-transformer template made unsupported: each problem then quotes a header holding keys and JWTs. */
function brokenSupabase(): string {
  const text = readFileSync(join(SUPABASE, 'kong.rendered.yml'), 'utf8')
  return text.replaceAll('$((', '$((@@ ')
}

if (!existsSync(join(SUPABASE, 'keys.json'))) {
  t.test("Supabase's rendered file", async (t) => {
    t.comment(`not checked: ${SUPABASE} is absent (CI clones shared/ beside the project); the synthetic files below still run`)
    t.pass('nothing to check without the corpus')
  })
} else {
  t.test("Supabase's rendered files: no key, password or JWT in any output format", async (t) => {
    const secrets = supabaseSecrets()
    for (const name of ['kong.rendered.yml', 'kong.rendered-legacy.yml']) {
      const outputs = await validateOutputs(join(SUPABASE, name))
      for (const [format, text] of Object.entries(outputs)) noneOf(t, text, secrets, `${name}, ${format}`)
    }
  })

  t.test("Supabase's file with its templates broken: each problem still says what is wrong, without the keys it quotes", async (t) => {
    const file = write('supabase-broken.yml', brokenSupabase())
    const outputs = await validateOutputs(file)
    const secrets = supabaseSecrets()
    for (const [format, text] of Object.entries(outputs)) noneOf(t, text, secrets, format)
    const problems = JSON.parse(outputs.json!) as { path: string; message: string }[]
    t.ok(problems.length >= 13, `${problems.length} problems reported`)
    t.match(problems[0], { path: /config\.(add|replace)\.(headers|querystring)/, message: /is not in supported format/ })
    t.match(outputs.github, /^::error file=.*title=kong\.yml services\[\d+\]\.plugins\[\d+\]\.config\./m)
  })

  t.test("a reload of Supabase's broken file: the log lines and /status last_error carry no secret", async (t) => {
    const reloads: ReloadResult[] = []
    const gw = await gateway('_format_version: "3.0"\n', { adminListen: '127.0.0.1:0', onReload: (r) => reloads.push(r) })
    t.teardown(() => gw.close())
    writeFileSync(gw.file, brokenSupabase())
    const r = await gw.reload()
    t.equal(r.result, 'invalid')
    const logged = reloads.flatMap((x) => (x.issues ?? []).map(textLine)).join('\n') // what `gateway serve` logs, one line per problem
    t.ok(logged.length > 0)
    const status = await fetchRaw(`${gw.adminUrl}/status`)
    t.match(status.json(), { last_error: { result: 'invalid', errors: [{ message: /is not in supported format/ }] } })
    noneOf(t, logged, supabaseSecrets(), 'log')
    noneOf(t, status.body, supabaseSecrets(), '/status')
  })
}

// ---------------------------------------------------------------- synthetic files

interface Case {
  name: string
  yaml: string
  env?: NodeJS.ProcessEnv
  /** Must appear in no output. */
  secrets: string[]
  /** Must still appear in the message: the problem is still explained. */
  says: RegExp
}

const CASES: Case[] = [
  {
    name: 'a credential quoted in another entity’s problem',
    yaml: `_format_version: "3.0"
consumers:
  - username: alice
    keyauth_credentials: [{ key: SECRET-KEY-1234 }]
routes:
  - name: r
    paths: ["/SECRET-KEY-1234 x"]
`,
    secrets: ['SECRET-KEY-1234'],
    says: /invalid path: '\/<redacted> x'/,
  },
  {
    name: 'an Authorization header of request-transformer, partly quoted by the template error',
    yaml: `_format_version: "3.0"
plugins:
  - name: request-transformer
    config:
      add:
        headers: ["Authorization: Bearer $(zz-auth-777 and more-auth-888 ==)"]
`,
    secrets: ['zz-auth-777', 'more-auth-888', 'Bearer'],
    says: /value ' <redacted>' is not in supported format, error:unexpected symbol near '\)' \(in '<redacted>'\)/,
  },
  {
    name: 'http-log http_endpoint: its user info and credential parameters, quoted elsewhere',
    yaml: `_format_version: "3.0"
plugins:
  - name: http-log
    config:
      http_endpoint: "http://loguser:logpass-99@log.internal/x?token=qtok-123&format=json"
routes:
  - name: r
    paths: ["/logpass-99 qtok-123"]
`,
    secrets: ['logpass-99', 'qtok-123'],
    says: /invalid path: '\/<redacted> <redacted>'/,
  },
  {
    name: 'vault references resolved into request-callout headers whose templates do not compile',
    yaml: `_format_version: "3.0"
plugins:
  - name: request-callout
    config:
      callouts:
        - name: c1
          request:
            url: http://api.internal/x
            headers:
              custom: { X-Api-Key: "{vault://env/api-key}", X-Other: "{vault://env/other}" }
`,
    env: { API_KEY: 'k $(bad stuff) vtok-88', OTHER: 'plain $(also bad) vother-99' },
    secrets: ['bad stuff', 'stuff', 'vtok-88', 'also bad', 'vother-99'],
    says: /error in expression '<redacted>' \(line 1\): '\)' expected near '<redacted>'/,
  },
  {
    name: 'a value from the environment (decK) in a field that refuses it',
    yaml: `_format_version: "3.0"
services:
  - name: s
    host: \${{ env "DECK_HOST" }}
`,
    env: { DECK_HOST: 'not a host env-secret-5' },
    secrets: ['env-secret-5', 'not a host'],
    says: /invalid value: <redacted>/,
  },
  {
    name: 'a JWT inside Lua code that does not parse',
    yaml: `_format_version: "3.0"
plugins:
  - name: pre-function
    config:
      access: ["local t = 'eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2lnbmF0dXJl' x ="]
`,
    secrets: ['eyJhbGciOiJIUzI1NiJ9', 'eyJyb2xlIjoic2VydmljZV9yb2xlIn0'],
    says: /error parsing pre-function/,
  },
  {
    name: 'a redis password of rate-limiting',
    yaml: `_format_version: "3.0"
plugins:
  - name: rate-limiting
    config:
      minute: 1
      policy: redis
      redis: { host: "redis pass-word-77", password: pass-word-77 }
`,
    secrets: ['pass-word-77'],
    says: /invalid value: redis <redacted>/,
  },
]

for (const c of CASES) {
  t.test(`${c.name}: redacted in text, json and github output`, async (t) => {
    const outputs = await validateOutputs(write(`${c.name.replace(/\W+/g, '-')}.yml`, c.yaml), c.env)
    for (const [format, text] of Object.entries(outputs)) {
      noneOf(t, text, c.secrets, format)
      t.match(text, c.says, `${format}: the problem is still explained`)
    }
  })
}

t.test('only secrets are redacted: a plain header’s broken template is quoted as written', async (t) => {
  const r = loadConfig(
    `_format_version: "3.0"
plugins:
  - name: request-transformer
    config:
      add:
        headers: ["Authorization: $(secret-ish thing)", "X-Plain: $(also bad)"]
`,
    { file: 'k.yml', env: {} },
  )
  t.equal(r.ok, false)
  if (r.ok) return
  t.same(
    r.issues.map((i) => i.message),
    [
      "value ' <redacted>' is not in supported format, error:')' expected near '<redacted>' (in '<redacted>')",
      "value ' $(also bad)' is not in supported format, error:')' expected near 'bad' (in 'also bad')",
    ],
  )
})

t.test('an error about a loaded config (a plugin refusing its settings) loses the config’s secrets', async (t) => {
  const r = loadConfig(
    `_format_version: "3.0"
consumers:
  - username: alice
    keyauth_credentials: [{ key: cred-key-1234 }]
services:
  - name: s
    host: \${{ env "DECK_HOST" }}
    plugins:
      - name: http-log
        config: { http_endpoint: "{vault://env/log-url}" }
`,
    { file: 'k.yml', env: { DECK_HOST: 'deck-host.internal', LOG_URL: 'http://u:vault-pw-1@log.internal/' } },
  )
  t.ok(r.ok)
  if (!r.ok) return
  const message = 'boom: cred-key-1234 / deck-host.internal / http://u:vault-pw-1@log.internal/ / eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'
  t.equal(redactForConfig(message, r.config, registry), 'boom: <redacted> / <redacted> / <redacted> / <redacted>')
})

t.test('a plugin refusing its settings when compiled: its error, logged and in /status last_error, has no secret', async (t) => {
  const picky = definePlugin({
    name: 'picky',
    priority: 123457,
    version: '0.0.0',
    config: z.strictObject({ token: referenceable(z.string(), 'A token.') }),
    protocols: PROTOCOLS_ALL,
    scopes: ANY_SCOPE,
    phases: ['access'],
    handler: () => (conf: { token: string }) => {
      throw new Error(`picky: token ${conf.token} is not accepted`)
    },
  })
  const plugins = pluginSet([picky])
  const env = { PICKY_TOKEN: 'tok-picky-SECRET' }
  const file = write('picky.yml', '_format_version: "3.0"\nplugins:\n  - name: picky\n    config: { token: "{vault://env/picky-token}" }\n')
  await t.rejects(
    startGateway({ config: file, listen: [], adminListen: 'off', env, watch: false, plugins }),
    { message: 'picky: token <redacted> is not accepted' },
    'at start',
  )

  const reloads: ReloadResult[] = []
  const gw = await gateway('_format_version: "3.0"\n', { adminListen: '127.0.0.1:0', env, plugins, onReload: (r) => reloads.push(r) })
  t.teardown(() => gw.close())
  writeFileSync(gw.file, readFileSync(file, 'utf8'))
  const r = await gw.reload()
  t.match(r, { result: 'invalid', error: 'picky: token <redacted> is not accepted' }, 'the reload result, which `gateway serve` logs')
  const status = await fetchRaw(`${gw.adminUrl}/status`)
  t.match(status.json(), { last_error: { errors: [{ message: 'picky: token <redacted> is not accepted' }] } })
  t.notOk(status.body.includes('tok-picky-SECRET'))
  t.notOk(JSON.stringify(reloads).includes('tok-picky-SECRET'))
})
