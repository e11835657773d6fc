// The Lua ExpressionEngine for `$(...)` templates.
import t from 'tap'
import { luaExpressionEngine } from '../../../src/plugins/shared/lua-template.js'
import { compileTemplate, type TemplateScope } from '../../../src/plugins/shared/template.js'

const scope: TemplateScope = {
  header: (n) => ({ 'x-user': 'alice', host: 'example.com' })[n],
  query: (n) => ({ a: 'one' })[n],
  capture: (k) => (k === 'id' ? '42' : undefined),
  shared: (n) => (n === 'tier' ? 'gold' : undefined),
}

t.test('expressions the built-in engine refuses run as Lua', async (t) => {
  const tpl = compileTemplate(
    '$(string.upper(headers.x_user)):$(query_params.a .. "-" .. (uri_captures.id or "?")):$(shared.tier == "gold" and "vip" or "std")',
    luaExpressionEngine(),
  )
  if ('error' in tpl) return t.fail(tpl.error)
  t.equal(tpl.render(scope), 'ALICE:one-42:vip')
})

t.test('simple expressions still use the built-in engine; Lua syntax errors and sandbox refusals', async (t) => {
  const simple = compileTemplate('$(headers["x-user"] or "x")', luaExpressionEngine())
  t.notOk('error' in simple)
  if (!('error' in simple)) t.equal(simple.render(scope), 'alice')
  const bad = compileTemplate('$(headers.x or)', luaExpressionEngine())
  t.match(bad, { error: /unexpected symbol/ })
  const forbidden = compileTemplate('$(os.getenv("HOME"))', luaExpressionEngine())
  if ('error' in forbidden) return t.fail(forbidden.error)
  t.throws(() => forbidden.render(scope), /field 'getenv'/)
  const ro = compileTemplate('$((function() x = 1 end)())', luaExpressionEngine())
  if ('error' in ro) return t.fail(ro.error)
  t.throws(() => ro.render(scope), /read-only/)
})
