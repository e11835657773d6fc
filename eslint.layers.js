// The import rule: which layer may import which (docs/architecture.md, "Layers").
// Imports go down the list below, never up; a plugin imports the plugin
// contract, plugins/shared and its own folder, never another plugin's; the
// config layer sees plugin definitions, never handlers (a definition loads its
// handler with a dynamic import, the one exception).
import boundaries from 'eslint-plugin-boundaries'

// Single files that are a layer of their own are matched as files ('file' mode).
const elements = [
  { type: 'base', pattern: 'src/{errors,version}.ts', mode: 'file' },
  { type: 'base', pattern: 'src/http' },
  { type: 'entry', pattern: 'src/index.ts', mode: 'file' },
  { type: 'lua-syntax', pattern: 'src/lua/syntax' },
  { type: 'lua', pattern: 'src/lua' },
  { type: 'config', pattern: 'src/config' },
  { type: 'plugin-contract', pattern: 'src/plugins/{types,kit,node-view,stream-kit,registry,bundled,set}.ts', mode: 'file' },
  { type: 'plugin-shared', pattern: 'src/plugins/shared' },
  { type: 'plugin-definition', pattern: 'src/plugins/*/{index,schema}.ts', mode: 'file', capture: ['name'] },
  { type: 'plugin-handler', pattern: 'src/plugins/*/handler.ts', mode: 'file', capture: ['name'] },
  { type: 'plugin', pattern: 'src/plugins/*', capture: ['name'] },
  { type: 'node', pattern: 'src/node' },
  { type: 'compile', pattern: 'src/compile' },
  { type: 'runtime', pattern: 'src/runtime' },
  { type: 'reload', pattern: 'src/reload' },
  { type: 'observability', pattern: 'src/observability' },
  { type: 'server', pattern: 'src/server' },
  { type: 'cli', pattern: 'src/cli' },
]

const to = (...types) => ({ to: { element: { types: { anyOf: types } } } })
const samePlugin = (...types) => ({ to: { element: { types: { anyOf: types }, captured: { name: '{{ from.element.captured.name }}' } } } })
const from = (type) => ({ element: { type } })

const DEFINITIONS = ['base', 'config', 'lua-syntax', 'plugin-contract', 'plugin-shared']
const policies = [
  { from: from('base'), allow: [to('base')] },
  { from: from('lua-syntax'), allow: [to('base')] },
  { from: from('config'), allow: [to('base', 'config', 'lua-syntax', 'plugin-contract')] },
  { from: from('plugin-contract'), allow: [to('base', 'config', 'plugin-contract', 'plugin-definition')] },
  { from: from('lua'), allow: [to('base', 'lua', 'lua-syntax', 'plugin-contract')] },
  { from: from('plugin-shared'), allow: [to('base', 'config', 'lua', 'lua-syntax', 'plugin-contract', 'plugin-shared')] },
  // A definition loads its handler only with a dynamic import (handler: () => import('./handler.js')).
  {
    from: from('plugin-definition'),
    allow: [to(...DEFINITIONS), samePlugin('plugin-definition', 'plugin'), { ...samePlugin('plugin-handler'), dependency: { nodeKind: 'dynamic-import' } }],
  },
  { from: from('plugin'), allow: [to(...DEFINITIONS, 'lua'), samePlugin('plugin-definition', 'plugin', 'plugin-handler')] },
  { from: from('plugin-handler'), allow: [to(...DEFINITIONS, 'lua'), samePlugin('plugin-definition', 'plugin')] },
  { from: from('node'), allow: [to('base', 'node', 'plugin-contract')] },
  { from: from('compile'), allow: [to('base', 'config', 'plugin-contract', 'node', 'compile')] },
  { from: from('runtime'), allow: [to('base', 'config', 'plugin-contract', 'node', 'compile', 'runtime')] },
  { from: from('reload'), allow: [to('base', 'config', 'plugin-contract', 'node', 'compile', 'reload')] },
  { from: from('observability'), allow: [to('base', 'config', 'compile', 'reload', 'observability')] },
  { from: from('server'), allow: [to('base', 'config', 'plugin-contract', 'node', 'compile', 'runtime', 'reload', 'observability', 'server')] },
  // cli sets the process's Lua sandbox from its flags (--untrusted-lua-sandbox-requires).
  { from: from('cli'), allow: [to('base', 'config', 'plugin-contract', 'lua', 'node', 'compile', 'runtime', 'reload', 'observability', 'server', 'cli')] },
  { from: from('entry'), allow: [to('base', 'config', 'plugin-contract', 'node', 'server')] },
]

export const layers = {
  files: ['src/**/*.ts'],
  plugins: { boundaries },
  settings: {
    'import/resolver': { typescript: { alwaysTryTypes: true } },
    'boundaries/include': ['src/**/*.ts'],
    'boundaries/elements': elements,
    // 'file' mode is deprecated in favour of file descriptors, which cannot make a file a layer.
    'boundaries/legacy-warnings': false,
  },
  rules: {
    'boundaries/dependencies': [2, { default: 'disallow', policies }],
    // Every file under src/ belongs to a layer.
    'boundaries/no-unknown-files': 2,
  },
}
