// http/args.ts: query strings and form bodies read and written as nginx's Lua
// module does (ngx.decode_args, ngx.req.get_uri_args / get_post_args behind
// kong.request.get_query / get_body, ngx.encode_args). jwt, proxy-cache,
// request-termination, request-transformer, the log serializer, key-auth's
// body and the Lua sandbox's kong.request.get_query all read arguments here.
import t from 'tap'
import { argsObject, decodeArgs, encodeArgs, MAX_ARGS, unescapeArg } from '../../src/http/args.js'

t.test('unescapeArg: + is a space, %XX a byte, a bad escape stays as written', async (t) => {
  t.equal(unescapeArg('a+b%20c'), 'a b c')
  t.equal(unescapeArg('%2B'), '+', 'an escaped + is a plus')
  t.equal(unescapeArg('caf%C3%A9'), 'café', 'escapes are UTF-8 bytes')
  t.equal(unescapeArg('%E2%82%AC+%e2%82%ac'), '€ €', 'lower-case hex too')
  // ngx_http_lua_unescape_uri keeps a `%` without two hex digits and decodes the rest
  // (decodeURIComponent would refuse the whole string: the old copies then kept it raw).
  t.equal(unescapeArg('100%'), '100%')
  t.equal(unescapeArg('%zz%41+b'), '%zzA b')
  t.equal(unescapeArg('%4'), '%4')
  t.equal(unescapeArg('plain'), 'plain')
})

t.test('decodeArgs: bare names are true, repeats are lists in order, empty names skipped', async (t) => {
  t.same(argsObject(decodeArgs('a=1&b&a=2&c=&a')), { a: ['1', '2', true], b: true, c: '' })
  t.same(argsObject(decodeArgs('=v&&&x=1&=')), { x: '1' }, 'pairs without a name are dropped, as nginx does')
  t.same(argsObject(decodeArgs('')), {})
  t.same(argsObject(decodeArgs('a%3Db=c%26d')), { 'a=b': 'c&d' }, 'names and values are unescaped after splitting')
  t.same(argsObject(decodeArgs('k=a=b')), { k: 'a=b' }, 'the first = splits')
  t.same(argsObject(decodeArgs('sp+ace=x+y')), { 'sp ace': 'x y' })
})

t.test('decodeArgs: names are plain map keys (no prototype lookups)', async (t) => {
  const args = decodeArgs('__proto__=x&toString')
  t.equal(args.get('__proto__'), 'x')
  t.equal(args.get('toString'), true)
  t.notOk(decodeArgs('a=1').has('toString'))
  const o = argsObject(args)
  t.equal(Object.getPrototypeOf(o), Object.prototype, 'the object keeps its prototype')
  t.same(Object.keys(o), ['__proto__', 'toString'])
})

t.test('decodeArgs: at most 100 arguments (lua_max_uri_args), or the given cap', async (t) => {
  t.equal(MAX_ARGS, 100)
  const many = Array.from({ length: 150 }, (_, i) => `k${i}=${i}`).join('&')
  const args = decodeArgs(many)
  t.equal(args.size, 100)
  t.equal(args.get('k99'), '99')
  t.notOk(args.has('k100'))
  t.same(decodeArgs('a=1&a=2&a=3', 2).get('a'), ['1', '2'], 'a repeated name counts each time')
  t.equal(decodeArgs(many, 0).size, 150, '0: no cap')
})

t.test('encodeArgs: ngx.encode_args', async (t) => {
  t.equal(
    encodeArgs([
      ['a', 'x y'],
      ['b', true],
      ['c', false],
      ['d', undefined],
      ['e', ['1', true]],
      ["f!'()*", 'é'],
    ]),
    'a=x%20y&b&e=1&e&f%21%27%28%29%2A=%C3%A9',
  )
  t.equal(encodeArgs(decodeArgs('a=1&b&a=2')), 'a=1&a=2&b', 'a decoded table round-trips, repeats grouped')
  t.equal(encodeArgs([['n', 2]]), 'n=2')
})
