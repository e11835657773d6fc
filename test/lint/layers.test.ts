// The import rule CI runs (eslint.layers.js): an upward import, a plugin
// reaching into another plugin's folder, and the config layer importing a
// handler all fail lint; the imports the layers allow pass. ESLint lints
// source text as if it were a file at the given path (the file need not exist).
import { join } from 'node:path'
import { ESLint } from 'eslint'
import t from 'tap'
import tseslint from 'typescript-eslint'
import { layers } from '../../eslint.layers.js'

const ROOT = join(import.meta.dirname, '..', '..')
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfigFile: true,
  overrideConfig: [{ files: ['src/**/*.ts'], languageOptions: { parser: tseslint.parser } }, layers] as ESLint.Options['overrideConfig'],
})

/** Lint messages of the layer rule for `code` placed at `file`. */
async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) })
  return result!.messages.filter((m) => m.ruleId?.startsWith('boundaries/')).map((m) => m.message)
}

t.test('an upward import fails: config importing the request path', async (t) => {
  const errors = await layerErrors('src/config/upward.ts', "import { runPipeline } from '../runtime/pipeline.js'\nexport const p = runPipeline\n")
  t.match(errors, [/from elements of type "config" to elements of type "runtime"/])
})

t.test('compile importing runtime, runtime importing the server: upward, refused', async (t) => {
  t.equal((await layerErrors('src/compile/upward.ts', "import { runPipeline } from '../runtime/pipeline.js'\nexport const p = runPipeline\n")).length, 1)
  t.equal((await layerErrors('src/runtime/upward.ts', "import { buildProxyServer } from '../server/app.js'\nexport const b = buildProxyServer\n")).length, 1)
})

t.test('the config layer may not load a plugin handler, even one', async (t) => {
  const errors = await layerErrors('src/config/handler.ts', "import create from '../plugins/key-auth/handler.js'\nexport const c = create\n")
  t.equal(errors.length, 1)
})

t.test("a plugin may not reach into another plugin's folder", async (t) => {
  const errors = await layerErrors('src/plugins/acl/borrow.ts', "import create from '../key-auth/handler.js'\nexport const c = create\n")
  t.match(errors, [/captured values: name="acl".*captured values: name="key-auth"/])
  const definition = await layerErrors('src/plugins/acl/schema.ts', "import { config } from '../key-auth/schema.js'\nexport const c = config\n")
  t.equal(definition.length, 1, 'nor import its schema')
})

t.test('a definition loads its own handler only lazily', async (t) => {
  t.equal(
    (await layerErrors('src/plugins/acl/index.ts', "import create from './handler.js'\nexport const c = create\n")).length,
    1,
    'a static import is refused',
  )
  t.same(await layerErrors('src/plugins/acl/index.ts', "export const handler = () => import('./handler.js')\n"), [], 'a dynamic import is the way')
})

t.test('what the layers allow passes', async (t) => {
  t.same(
    await layerErrors(
      'src/runtime/ok.ts',
      "import type { Runtime } from '../compile/runtime.js'\nimport { NO_ROUTE } from '../errors.js'\nexport type R = Runtime\nexport const e = NO_ROUTE\n",
    ),
    [],
  )
  t.same(
    await layerErrors(
      'src/plugins/acl/ok.ts',
      "import { ACL } from '../../errors.js'\nimport { authGate } from '../shared/auth.js'\nimport type { Kit } from '../types.js'\nexport type K = Kit\nexport const a = [ACL, authGate]\n",
    ),
    [],
  )
  t.same(await layerErrors('src/config/ok.ts', "import { registry } from '../plugins/registry.js'\nexport const r = registry\n"), [])
})

t.test('the tree itself passes the rule', async (t) => {
  const results = await eslint.lintFiles(['src/**/*.ts'])
  const errors = results.flatMap((r) => r.messages.filter((m) => m.ruleId?.startsWith('boundaries/')).map((m) => `${r.filePath}:${m.line}: ${m.message}`))
  t.same(errors, [])
})
