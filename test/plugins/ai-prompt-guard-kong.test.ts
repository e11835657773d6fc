// Kong's ai-prompt-guard spec (spec/03-plugins/42-ai-prompt-guard/*): the schema, the unit cases
// of the guard's check (run on guard.ts, as Kong's run on the filter's _execute), and the
// integration cases through a real gateway and a real echo upstream, which a refused prompt
// never reaches.
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { guard, type GuardRules } from '../../src/plugins/ai-prompt-guard/guard.js'
import { compilePattern } from '../../src/plugins/ai-prompt-guard/patterns.js'
import { pluginGateway, pluginLines } from '../helpers/plugin-gateway.js'

const NAME = 'ai-prompt-guard'

const problems = (config: Record<string, unknown>) => {
  const r = loadConfig(stringify({ _format_version: '3.0', plugins: [{ name: NAME, config }] }), { file: 'k.yml' })
  return r.ok ? [] : r.issues.map((i) => `${i.path.replace('plugins[0].', '')} ${i.message}`)
}

t.test('schema', async (t) => {
  const atLeastOne = "config at least one of these fields must be non-empty: 'config.allow_patterns', 'config.deny_patterns'"
  // spec/03-plugins/42-ai-prompt-guard/00-config_spec.lua:18
  t.same(problems({ allow_all_conversation_history: true }), [atLeastOne], "won't allow both patterns unset")
  // :31
  t.same(problems({ allow_all_conversation_history: true, allow_patterns: [], deny_patterns: [] }), [atLeastOne], "won't allow both to be empty arrays")
  // :46
  t.same(
    problems({ allow_all_conversation_history: true, allow_patterns: ['x'.repeat(501)] }),
    ['config.allow_patterns[0] length must be at most 500'],
    "won't allow patterns that are too long",
  )
  // :62
  t.same(
    problems({ allow_all_conversation_history: true, allow_patterns: Array.from({ length: 11 }, () => 'pattern') }),
    ['config.allow_patterns length must be at most 10'],
    "won't allow too many array items",
  )
  // :87
  t.same(
    problems({ allow_patterns: ['wat'], allow_all_conversation_history: true, match_all_roles: true }).sort(),
    ["config failed conditional validation given value of field 'config.match_all_roles'", 'config.allow_all_conversation_history value must be false'],
    'allow_all_conversation_history needs to be false if match_all_roles is set to true',
  )
  // schema.lua: defaults, and patterns are not checked as regexes when the config loads (Kong fails per request).
  const r = loadConfig(stringify({ _format_version: '3.0', plugins: [{ name: NAME, config: { deny_patterns: ['[]'] } }] }), { file: 'k.yml' })
  t.same(
    r.ok && r.config.plugins[0]?.config,
    { deny_patterns: ['[]'], allow_all_conversation_history: false, max_request_body_size: 8192, match_all_roles: false, llm_format: 'openai' },
    "Kong's defaults; a bad regex loads",
  )
  t.same(problems({ deny_patterns: [''] }), ['config.deny_patterns[0] length must be at least 1'])
  t.same(problems({ deny_patterns: ['x'], max_request_body_size: 1.5 }), ['config.max_request_body_size expected an integer'])
})

// spec/03-plugins/42-ai-prompt-guard/01-unit_spec.lua:3-54: the spec's request builder. Note that
// append_message always adds a `user` message, whose text comes from the fixture of the role asked.
const FIXTURES: Record<string, string> = { user: 'this is a user request', system: 'this is a system message', assistant: 'this is an assistant reply' }
class Request {
  messages: { role: string; content: string }[] = [{ role: 'system', content: FIXTURES.system! }]
  append(role: string, custom: string): this {
    this.messages.push({ role: 'user', content: `${FIXTURES[role]!} with custom content ${custom}` })
    return this
  }
}

interface Conf {
  allow_patterns?: string[]
  deny_patterns?: string[]
  allow_all_conversation_history?: boolean
  match_all_roles?: boolean
}
const rules = (c: Conf): GuardRules => ({
  allow: (c.allow_patterns ?? []).map(compilePattern),
  deny: (c.deny_patterns ?? []).map(compilePattern),
  allow_all_conversation_history: c.allow_all_conversation_history ?? false,
  match_all_roles: c.match_all_roles ?? false,
})
const execute = (req: Request, c: Conf) => guard({ messages: req.messages }, rules(c))

t.test("Kong's unit spec", async (t) => {
  for (const requestType of ['chat', 'completions']) {
    t.test(`${requestType} operations`, async (t) => {
      // :76
      t.same(execute(new Request().append('user', 'pattern'), {}), { ok: true }, 'allows a user request when nothing is set')
      // :88-89: only chat has history, and match_all_roles needs history.
      for (const hasHistory of requestType === 'chat' ? [false, true] : [false]) {
        for (const matchAllRoles of hasHistory ? [false, true] : [false]) {
          const role = matchAllRoles ? 'system' : 'user'
          for (const hasDeny of [true, false]) {
            const what = `${hasHistory ? ' in history' : ' only the last'}${hasDeny ? ', conf.deny_patterns is also set' : ''}${matchAllRoles ? ', all roles' : ''}`
            const conf = {
              allow_patterns: ['pa..ern'],
              ...(hasDeny ? { deny_patterns: ['deny match'] } : {}),
              allow_all_conversation_history: !hasHistory,
              match_all_roles: matchAllRoles,
            }
            // :100
            const matching = new Request().append(role, 'pattern')
            if (hasHistory) matching.append('user', 'no match')
            t.same(execute(matching, conf), { ok: true }, `allows a matching user request${what}`)
            // :120
            const unmatched = new Request().append('user', 'no match')
            if (hasHistory) unmatched.append('user', 'no match')
            else unmatched.append(role, 'pattern').append('user', 'no match')
            t.same(execute(unmatched, conf), { ok: false, refused: "prompt doesn't match any allowed pattern" }, `denies an unmatched user request${what}`)
          }
          for (const hasAllow of [true, false]) {
            const what = `${hasHistory ? ' in history' : ' only the last'}${hasAllow ? ', conf.allow_patterns is also set' : ''}${matchAllRoles ? ', all roles' : ''}`
            const conf = { deny_patterns: ['pa..ern'], ...(hasAllow ? { allow_patterns: ['allow match'] } : {}), allow_all_conversation_history: !hasHistory }
            // :153
            const matching = new Request().append(role, 'pattern')
            if (hasHistory) matching.append('user', 'no match')
            t.same(execute(matching, conf), { ok: false, refused: 'prompt pattern is blocked' }, `denies a matching user request${what}`)
            // :172
            const unmatched = new Request().append(role, 'allow match')
            if (hasHistory) unmatched.append('user', 'no match')
            else unmatched.append(role, 'pattern').append(role, 'allow match')
            t.same(execute(unmatched, conf), { ok: true }, `allows unmatched user request${what}`)
          }
        }
      }
    })
  }

  t.test('what the guard reads', async (t) => {
    // guard-prompt.lua: newest first, a space after each; match_all_roles adds other roles.
    const conf = { deny_patterns: ['^second first $'] }
    const chat = {
      messages: [
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'reply' },
        { role: 'user', content: 'second' },
      ],
    }
    t.same(guard(chat, rules(conf)), { ok: false, refused: 'prompt pattern is blocked' }, 'user messages, newest first, space-separated')
    t.same(
      guard(chat, rules({ deny_patterns: ['^second reply first $'], match_all_roles: true })),
      { ok: false, refused: 'prompt pattern is blocked' },
      'all roles',
    )
    t.same(
      guard(chat, rules({ deny_patterns: ['^second$'], allow_all_conversation_history: true })),
      { ok: false, refused: 'prompt pattern is blocked' },
      'only the newest, no space',
    )
    t.same(guard({ prompt: 'a completions prompt' }, rules({ allow_patterns: ['^a completions prompt$'] })), { ok: true }, 'a completions prompt')
    const bad = 'ai-prompt-guard only supports llm/v1/chat or llm/v1/completions prompts'
    t.same(guard({}, rules(conf)), { ok: false, refused: bad }, 'neither')
    t.same(guard({ messages: [{ content: 'no role' }] }, rules(conf)), { ok: false, refused: bad }, 'a message without a role')
    t.same(guard({ messages: [{ role: 'user', content: ['parts'] }] }, rules(conf)), { ok: false, refused: bad }, 'content that is not a string')
    t.same(guard({ messages: [{ role: 'system', content: ['parts'] }] }, rules(conf)), { ok: true }, "another role's content is not read")
    t.same(
      guard({ messages: [5] }, rules(conf)),
      { ok: false, failed: 'attempt to index a number value', by: 'body' },
      "Lua's error on a message that is a number",
    )
    t.same(guard({ messages: {} }, rules({ allow_patterns: ['^$'] })), { ok: true }, 'an object of messages is an empty conversation')
    // ngx.re.find(..., "jo"): PCRE on the UTF-8 bytes, case-sensitive, unanchored.
    t.same(guard({ prompt: 'Crème brûlée' }, rules({ deny_patterns: ['br\\xc3\\xbbl'] })), { ok: false, refused: 'prompt pattern is blocked' }, 'bytes')
    t.same(guard({ prompt: 'CHEDDAR' }, rules({ deny_patterns: ['cheddar'] })), { ok: true }, 'case-sensitive')
    t.same(guard({ prompt: 'CHEDDAR' }, rules({ deny_patterns: ['(?i)cheddar'] })), { ok: false, refused: 'prompt pattern is blocked' }, 'inline options')
    t.same(guard({ prompt: 'aaa' }, rules({ deny_patterns: ['a++a'] })), { ok: true }, 'PCRE possessive quantifiers')
  })
})

const CHEESE_SHOP = (user1: string, assistant: string, user2: string) =>
  JSON.stringify({
    messages: [
      { role: 'system', content: 'You run a cheese shop.' },
      { role: 'user', content: user1 },
      { role: 'assistant', content: assistant },
      { role: 'user', content: user2 },
    ],
  })

t.test("Kong's integration spec", async (t) => {
  const route = (path: string, config: Record<string, unknown>) => ({ name: path, paths: [`~/${path}$`], plugins: [{ name: NAME, config }] })
  const both = { allow_patterns: ['.*cheddar.*', '.*brie.*'], deny_patterns: ['.*leicester.*', '.*edam.*'] }
  const allowOnly = { allow_patterns: ['.*cheddar.*', '.*brie.*'] }
  const denyOnly = { deny_patterns: ['.*leicester.*', '.*edam.*'] }
  const { lines, pluginLog } = pluginLines()
  const g = await pluginGateway(
    t,
    stringify({
      _format_version: '3.0',
      services: [
        {
          name: 'echo',
          url: '$UPSTREAM',
          routes: [
            // spec/03-plugins/42-ai-prompt-guard/02-integration_spec.lua:15-152
            route('permit-history', { ...both, allow_all_conversation_history: true }),
            route('block-history', { ...both, allow_all_conversation_history: false }),
            route('allow-only-permit-history', { ...allowOnly, allow_all_conversation_history: true }),
            route('allow-only-block-history', { ...allowOnly, allow_all_conversation_history: false }),
            route('deny-only-permit-history', { ...denyOnly, allow_all_conversation_history: true }),
            route('deny-only-block-history', { ...denyOnly, allow_all_conversation_history: false }),
            route('bad-regex-allow', { deny_patterns: ['[]'], allow_all_conversation_history: false }),
            route('bad-regex-deny', { deny_patterns: ['[]'], allow_all_conversation_history: false }),
            route('bad-regex-allow-list', { allow_patterns: ['[]'] }),
          ],
        },
      ],
    }),
    undefined,
    { pluginLog },
  )
  const post = (path: string, body: string) => g.send(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  const refused = (t: Test, r: Awaited<ReturnType<typeof post>>) => {
    t.equal(r.status, 400)
    t.same(JSON.parse(r.body), { error: { message: 'bad request' } }, 'says nothing of the guard')
    t.equal(r.reached, undefined, 'the upstream never sees it')
  }

  t.test("allows message with 'allow' and 'deny' set, with history", async (t) => {
    // :182
    const body = CHEESE_SHOP('I think that cheddar is the best cheese.', 'No, brie is the best cheese.', 'Why brie?')
    const r = await post('/permit-history', body)
    t.equal(r.status, 200)
    t.equal(r.reached?.body, body, 'the upstream gets the body as sent')
  })

  t.test("allows message with 'allow' and 'deny' set, without history", async (t) => {
    // :217
    const r = await post('/block-history', CHEESE_SHOP('I think that cheddar is the best cheese.', 'No, brie is the best cheese.', 'Why brie?'))
    t.equal(r.status, 200)
  })

  t.test("blocks message with 'allow' and 'deny' set, with history", async (t) => {
    // :251
    refused(t, await post('/permit-history', CHEESE_SHOP('I think that cheddar or edam are the best cheeses.', 'No, brie is the best cheese.', 'Why?')))
  })

  t.test("allows message with 'allow' only set, with history", async (t) => {
    // :287
    const r = await post('/allow-only-permit-history', CHEESE_SHOP('I think that brie is the best cheese.', 'No, cheddar is the best cheese.', 'Why cheddar?'))
    t.equal(r.status, 200)
  })

  t.test("allows message with 'allow' only set, without history", async (t) => {
    // :321
    const r = await post('/allow-only-block-history', CHEESE_SHOP('I think that brie is the best cheese.', 'No, cheddar is the best cheese.', 'Why cheddar?'))
    t.equal(r.status, 200)
  })

  t.test("allows message with 'deny' only set, permit history", async (t) => {
    // :356: the bad phrase is only in the history
    const r = await post(
      '/deny-only-permit-history',
      CHEESE_SHOP('I think that leicester is the best cheese.', 'No, cheddar is the best cheese.', 'Why cheddar?'),
    )
    t.equal(r.status, 200)
  })

  t.test("blocks message with 'deny' only set, permit history", async (t) => {
    // :393: the bad phrase is in the latest message
    refused(t, await post('/deny-only-permit-history', CHEESE_SHOP('I think that leicester is the best cheese.', 'No, edam is the best cheese.', 'Why edam?')))
  })

  t.test("blocks message with 'deny' only set, scan history", async (t) => {
    // :430
    refused(
      t,
      await post('/deny-only-block-history', CHEESE_SHOP('I think that leicester is the best cheese.', 'No, cheddar is the best cheese.', 'Why cheddar?')),
    )
  })

  const systemOnly = JSON.stringify({ messages: [{ role: 'system', content: 'You run a cheese shop.' }] })
  for (const path of ['/bad-regex-allow', '/bad-regex-deny', '/bad-regex-allow-list']) {
    t.test(`returns a 500 on a bad regex (${path})`, async (t) => {
      // spec/03-plugins/42-ai-prompt-guard/02-integration_spec.lua:467, :490 (both configure deny_patterns); and the allow list
      const before = lines.length
      const r = await post(path, systemOnly)
      t.equal(r.status, 500)
      t.equal(r.body, '', "kong.response.exit(500): Kong's bodiless answer")
      t.equal(r.reached, undefined)
      t.ok(
        lines.slice(before).some((l) => l.msg.startsWith("bad regex pattern '[]', failed to execute: pcre2_compile() failed: missing terminating ]")),
        "nginx's compile error is logged",
      )
    })
  }

  t.test('a body that is no chat or completions request is refused', async (t) => {
    // guard-prompt.lua: bad_format_error, answered as "bad request"
    refused(t, await post('/deny-only-permit-history', JSON.stringify({ input: 'edam' })))
    refused(t, await post('/deny-only-permit-history', 'not json'))
    refused(t, await g.send('/deny-only-permit-history', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: CHEESE_SHOP('a', 'b', 'c') }))
  })

  t.test('a completions prompt is checked', async (t) => {
    refused(t, await post('/deny-only-permit-history', JSON.stringify({ prompt: 'tell me about edam' })))
    t.equal((await post('/deny-only-permit-history', JSON.stringify({ prompt: 'tell me about gouda' }))).status, 200)
  })

  t.test('a form body is read too, as kong.request.get_body reads it', async (t) => {
    // parse-request.lua reads the body by its Content-Type: a form's `prompt` is a string prompt.
    const r = await g.send('/deny-only-permit-history', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'prompt=edam%20please',
    })
    refused(t, r)
  })
})

t.test('a long prompt against .*word.* patterns', async (t) => {
  // Kong's documented pattern style on a prompt near the 8 KiB default: PCRE tries `.*` only at
  // line starts, so the match is cheap; it must pass (or be refused) like a short one.
  const g = await pluginGateway(
    t,
    stringify({
      _format_version: '3.0',
      services: [
        {
          name: 'echo',
          url: '$UPSTREAM',
          routes: [
            { name: 'r', paths: ['/'], plugins: [{ name: NAME, config: { allow_patterns: ['.*cheddar.*', '.*brie.*'], deny_patterns: ['.*edam.*'] } }] },
          ],
        },
      ],
    }),
  )
  const filler = 'I think that gouda is a fine cheese and I could talk about it for hours. '.repeat(100)
  const ok = await g.send('/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: `${filler}but brie!` }) })
  t.equal(ok.status, 200, 'allowed by the second allow pattern')
  const no = await g.send('/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: filler }) })
  t.equal(no.status, 400, 'no allowed word: refused')
})

t.test("a pattern that backtracks without end fails the request, as PCRE2's match limit does", async (t) => {
  // guard-prompt.lua: ngx.re.find's error (PCRE2's match limit) is Kong's bodiless 500. The search is
  // metered, so the gateway answers instead of holding its event loop; another request still passes.
  const { lines, pluginLog } = pluginLines()
  const g = await pluginGateway(
    t,
    stringify({
      _format_version: '3.0',
      services: [{ name: 'echo', url: '$UPSTREAM', routes: [{ name: 'r', paths: ['/'], plugins: [{ name: NAME, config: { deny_patterns: ['(a+)+$'] } }] }] }],
    }),
    undefined,
    { pluginLog },
  )
  const r = await g.send('/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: `${'a'.repeat(40)}b` }) })
  t.equal(r.status, 500)
  t.equal(r.reached, undefined)
  t.ok(
    lines.some((l) => l.msg.startsWith("bad regex pattern '(a+)+$', failed to execute: pcre_exec() failed")),
    'logged as Kong logs it',
  )
  const ok = await g.send('/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'aaa' }) })
  t.equal(ok.status, 400, 'a prompt the pattern matches is refused')
  const other = await g.send('/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'bbb' }) })
  t.equal(other.status, 200, 'and one it does not passes')
})
