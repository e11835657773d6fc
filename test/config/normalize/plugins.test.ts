// The plugin envelope checked against the registry.
import t from 'tap'
import { checkPlugins } from '../../../src/config/normalize/plugins.js'
import { registry } from '../../../src/plugins/registry.js'
import { entitySets } from '../../helpers/entity-sets.js'

t.test('a plugin the registry does not have is reported at its name, and nothing else of it', async (t) => {
  const sets = entitySets({ plugins: [{ name: 'nope', config: { x: 1 } }] })
  t.same(checkPlugins(sets, registry), [
    { path: ['plugins', 0, 'name'], message: "plugin 'nope' not enabled; add it to the 'plugins' configuration property (this gateway does not provide it)" },
  ])
  t.equal(sets.plugins[0]!.entity.protocols, undefined)
})

t.test('a scope the plugin refuses: at the field when written, at the plugin when nested', async (t) => {
  const sets = entitySets({
    plugins: [{ name: 'cors', consumer: 'alice' }],
    consumers: [{ username: 'alice', plugins: [{ name: 'cors' }] }],
  })
  t.same(checkPlugins(sets, registry), [
    { path: ['consumers', 0, 'plugins', 0], message: "value must be null (plugin 'cors' cannot be scoped to a consumer)" },
    { path: ['plugins', 0, 'consumer'], message: "value must be null (plugin 'cors' cannot be scoped to a consumer)" },
  ])
})

t.test("config takes the plugin schema's defaults; protocols default to the plugin's", async (t) => {
  const sets = entitySets({
    plugins: [
      { name: 'rate-limiting', config: { minute: 5 } },
      { name: 'cors', protocols: ['https'] },
    ],
  })
  t.same(checkPlugins(sets, registry), [])
  const rl = sets.plugins[0]!.entity
  t.equal((rl.config as Record<string, unknown>).minute, 5)
  t.equal((rl.config as Record<string, unknown>).policy, 'local')
  t.same(rl.protocols, registry.get('rate-limiting')!.protocols)
  t.same(sets.plugins[1]!.entity.protocols, ['https'])
})

t.test('config errors are placed under the plugin config', async (t) => {
  const sets = entitySets({ plugins: [{ name: 'rate-limiting', config: { minute: -1 } }] })
  t.same(checkPlugins(sets, registry), [{ path: ['plugins', 0, 'config', 'minute'], message: 'value must be greater than 0' }])
})

t.test('ordering may only name plugins the registry has', async (t) => {
  const sets = entitySets({
    plugins: [{ name: 'acl', config: { allow: ['a'] }, ordering: { before: { access: ['key-auth', 'ghost'] }, after: { access: ['phantom'] } } }],
  })
  t.same(checkPlugins(sets, registry), [
    {
      path: ['plugins', 0, 'ordering', 'before', 'access', 1],
      message: "plugin 'ghost' not enabled; add it to the 'plugins' configuration property (this gateway does not provide it)",
    },
    {
      path: ['plugins', 0, 'ordering', 'after', 'access', 0],
      message: "plugin 'phantom' not enabled; add it to the 'plugins' configuration property (this gateway does not provide it)",
    },
  ])
})
