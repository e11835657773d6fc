// The plugin registry: its contract check, and Kong's scope restrictions enforced at load.
import t from 'tap'
import * as z from 'zod'
import { loadConfig } from '../../src/config/load.js'
import { createRegistry, registry } from '../../src/plugins/registry.js'
import { definePlugin, NO_CONSUMER, PROTOCOLS_ALL } from '../../src/plugins/types.js'

const authLike = definePlugin({
  name: 'auth-like',
  priority: 1250,
  version: '1.0.0',
  config: z.strictObject({ key_names: z.array(z.string()).default(['apikey']) }),
  protocols: PROTOCOLS_ALL,
  scopes: NO_CONSUMER,
  phases: ['access'],
  handler: () => () => ({}),
})

t.test('bundled plugins pass the contract check', async (t) => {
  t.ok(registry.size >= 1)
  t.equal(registry.get('request-termination')?.priority, 2)
})

t.test('the contract check refuses broken definitions at start', async (t) => {
  t.throws(() => createRegistry([authLike, authLike]), /registered twice/)
  t.throws(() => createRegistry([authLike, { ...authLike, name: 'other' }]), /share priority 1250/)
  t.throws(() => createRegistry([{ ...authLike, name: 'Bad_Name' }]), /kebab-case/)
  t.throws(() => createRegistry([{ ...authLike, priority: 1.5 }]), /integer priority/)
  t.throws(() => createRegistry([{ ...authLike, phases: [] }]), /must declare its phases/)
  t.throws(() => createRegistry([{ ...authLike, phases: ['init_worker' as 'access'] }]), /must declare its phases/)
})

t.test('a plugin Kong forbids on consumers is refused there, nested or by reference', async (t) => {
  const reg = createRegistry([authLike])
  const nested = loadConfig('_format_version: "3.0"\nconsumers:\n- username: a\n  plugins:\n  - name: auth-like\n', { file: 'k', env: {}, registry: reg })
  t.notOk(nested.ok)
  if (!nested.ok)
    t.same(
      nested.issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`),
      ["5:5 consumers[0].plugins[0]: value must be null (plugin 'auth-like' cannot be scoped to a consumer)"],
    )
  const flat = loadConfig('_format_version: "3.0"\nconsumers:\n- username: a\nplugins:\n- name: auth-like\n  consumer: a\n', {
    file: 'k',
    env: {},
    registry: reg,
  })
  t.notOk(flat.ok)
  if (!flat.ok)
    t.same(
      flat.issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`),
      ["6:13 plugins[0].consumer: value must be null (plugin 'auth-like' cannot be scoped to a consumer)"],
    )
  const ok = loadConfig('_format_version: "3.0"\nplugins:\n- name: auth-like\n', { file: 'k', env: {}, registry: reg })
  t.ok(ok.ok)
  if (ok.ok) {
    t.same(ok.config.plugins[0]!.config, { key_names: ['apikey'] }, 'config defaults filled by the plugin schema')
    t.same(ok.config.plugins[0]!.protocols, ['grpc', 'grpcs', 'http', 'https'], "protocols default to the plugin's own")
  }
})
