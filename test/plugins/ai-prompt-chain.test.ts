// The three AI prompt plugins on one route, as Kong chains them (kong/llm/plugin/ctx.lua): by
// priority, template (773), then decorator (772), then guard (771), each reading the body the one
// before left. The upstream must receive the rendered, decorated chat; the guard must check the
// decorated conversation, so a deny pattern can refuse what only the template or the decorator put in.
import t from 'tap'
import { stringify } from 'yaml'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const yml = (guard: Record<string, unknown>) =>
  stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'echo',
        url: '$UPSTREAM',
        routes: [
          {
            name: 'r',
            paths: ['/'],
            plugins: [
              // Listed in the reverse of their order, which is Kong's priority, not the file's.
              { name: 'ai-prompt-guard', config: guard },
              {
                name: 'ai-prompt-decorator',
                config: { prompts: { prepend: [{ role: 'system', content: 'Answer in French.' }], append: [{ role: 'user', content: 'Be brief.' }] } },
              },
              {
                name: 'ai-prompt-template',
                config: { templates: [{ name: 'ask', template: '{"messages":[{"role":"user","content":"Tell me about {{cheese}}."}]}' }] },
              },
            ],
          },
        ],
      },
    ],
  })

const ask = (cheese: string) => JSON.stringify({ messages: '{template://ask}', properties: { cheese } })

t.test('template, then decorator, then guard', async (t) => {
  const g = await pluginGateway(t, yml({ deny_patterns: ['edam'] }))
  const post = (body: string) => g.send('/', { method: 'POST', headers: { 'content-type': 'application/json' }, body })

  const r = await post(ask('brie'))
  t.equal(r.status, 200)
  t.same(JSON.parse(r.reached?.body ?? 'null'), {
    messages: [
      { role: 'system', content: 'Answer in French.' },
      { role: 'user', content: 'Tell me about brie.' },
      { role: 'user', content: 'Be brief.' },
    ],
  })

  const denied = await post(ask('edam'))
  t.equal(denied.status, 400, 'the guard reads the rendered template')
  t.same(JSON.parse(denied.body), { error: { message: 'bad request' } })
  t.equal(denied.reached, undefined)
})

t.test('the guard checks what the decorator added', async (t) => {
  // With match_all_roles the decorator's system message is part of the prompt.
  const g = await pluginGateway(t, yml({ deny_patterns: ['French'], match_all_roles: true }))
  const r = await g.send('/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: ask('brie') })
  t.equal(r.status, 400)
  t.equal(r.reached, undefined)
  // Only user messages by default: the appended "Be brief." is one of them.
  const g2 = await pluginGateway(t, yml({ deny_patterns: ['brief'] }))
  const r2 = await g2.send('/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: ask('brie') })
  t.equal(r2.status, 400, 'an appended user message is checked')
})
