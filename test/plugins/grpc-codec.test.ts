// The pieces grpc-web and grpc-gateway share, on their own: gRPC framing, gRPC-Web's text mode,
// path templates, lua-protobuf's JSON conventions, and grpc-web's body_filter folding the
// upstream's trailers (the RequestState.upstreamTrailers contract) into the trailer frame.
import { join } from 'node:path'
import t from 'tap'
import { frame, unframeAll } from '../../src/plugins/shared/grpc/frame.js'
import { decodeToJson, encodeMessage } from '../../src/plugins/shared/grpc/json.js'
import { loadProto } from '../../src/plugins/shared/grpc/proto.js'
import { decodeTextBody } from '../../src/plugins/shared/grpc/text.js'
import { compileTemplate } from '../../src/plugins/grpc-gateway/template.js'
import type { Kit } from '../../src/plugins/types.js'
import { FIXTURES } from '../helpers/grpc-target.js'

t.test('framing: complete frames are taken, an incomplete one is left', async (t) => {
  const two = Buffer.concat([frame(0, 'ab'), frame(0, ''), frame(0, 'cdef')])
  const cut = two.subarray(0, two.length - 2)
  const { frames, rest } = unframeAll(cut)
  t.same(
    frames.map((f) => f.toString()),
    ['ab', ''],
  )
  t.equal(rest.length, 5 + 2, 'the third frame waits for its last bytes')
  t.same([...frame(0x80, 'x').subarray(0, 5)], [0x80, 0, 0, 0, 1])
})

t.test('text mode: base64 runs back to back, each with its padding, and what is not base64', async (t) => {
  const a = Buffer.from([0, 0, 0, 0, 6])
  const b = Buffer.from('\n\x04heya')
  t.same(decodeTextBody(a.toString('base64') + b.toString('base64')), Buffer.concat([a, b]))
  t.same(decodeTextBody('AAAAAAYKBGhleWE='), Buffer.from('AAAAAAYKBGhleWE=', 'base64'), "the spec's request")
  t.same(decodeTextBody('AAAA\r\nAAYK BGhleWE='), Buffer.from('AAAAAAYKBGhleWE=', 'base64'), 'line breaks carry nothing')
  t.equal(decodeTextBody('AAAAA'), undefined, '4n+1 characters')
  t.equal(decodeTextBody('AA*A'), undefined, 'outside the alphabet')
  t.same(decodeTextBody(''), Buffer.alloc(0))
})

t.test('path templates', async (t) => {
  const m = (tpl: string, path: string) => {
    const c = compileTemplate(tpl)
    const r = c.regex.exec(path)
    return r ? Object.fromEntries(c.vars.map((v, i) => [v, r[i + 1]])) : undefined
  }
  t.same(m('/v1/messages/{greeting}', '/v1/messages/john'), { greeting: 'john' })
  t.equal(m('/v1/messages/{greeting}', '/v1/messages/john/bai'), undefined, 'one segment')
  t.same(m('/v1/messages/legacy/{greeting=**}', '/v1/messages/legacy/a/b'), { greeting: 'a/b' })
  t.same(m('/v1/{name=shelves/*/books/*}', '/v1/shelves/1/books/2'), { name: 'shelves/1/books/2' })
  t.same(m('/v1/{a.b}/x', '/v1/q/x'), { 'a.b': 'q' })
  t.same(m('/v1/{name}:cancel', '/v1/op1:cancel'), { name: 'op1' })
  t.equal(m('/v1.json', '/v1xjson'), undefined, 'a literal dot is a dot')
  t.same(m('/v1/*/items', '/v1/any/items'), {}, 'a bare * is one segment')
})

t.test("JSON as Kong's lua-protobuf writes and reads it", async (t) => {
  const hello = loadProto(join(FIXTURES, 'kong-hello.proto')).methods.get('/hello.HelloService/SayHello')!
  t.equal(decodeToJson(hello.input, Buffer.alloc(0)), '{}', 'proto2: an unset optional field is absent')
  const bounce = loadProto(join(FIXTURES, 'targetservice.proto')).methods.get('/targetservice.Bouncer/BounceIt')!
  const bytes = encodeMessage(bounce.input, { message: 'm', when: '2024-02-03T04:05:06Z', now: '2024-02-03T04:05:06.5+01:00' })
  const back = bounce.input.toObject(bounce.input.decode(bytes), { longs: Number })
  t.same(back, { message: 'm', when: { seconds: 1706933106 }, now: { seconds: 1706929506, nanos: 500000000 } })
  t.equal(
    decodeToJson(bounce.output, bounce.output.encode({ now: { seconds: 1706933106, nanos: 9 } }).finish() as Buffer),
    '{"reply":"","time_message":"","now":"2024-02-03T04:05:06"}',
    'a Timestamp as LuaDate iso: no zone, no fraction',
  )
  t.throws(() => encodeMessage(bounce.input, { when: 5 }), /expected time string/)
  const shapes = loadProto(join(FIXTURES, 'shapes.proto')).methods.get('/shapes.Shapes/Get')!.input
  t.match(
    decodeToJson(shapes, encodeMessage(shapes, { id: '-9223372036854775808', color: 7 })),
    /"color":7,"id":-9223372036854775808,/,
    'an enum number with no name stays a number; int64 min exact',
  )
  t.throws(() => encodeMessage(shapes, { id: 1.5 }), /integer/)
  t.throws(() => encodeMessage(shapes, { items: 'x' }), /table expected/)
  t.throws(() => encodeMessage(shapes, { inner: [] }), /table expected/)
  t.doesNotThrow(() => encodeMessage(shapes, { ratio: '0.25', id: ' 12 ', unknown: { deep: null } }), 'numeric strings; unknown keys ignored')
})

t.test("grpc-web's body_filter folds the upstream's trailers into the trailer frame and clears them", async (t) => {
  const { default: create } = await import('../../src/plugins/grpc-web/handler.js')
  const noop = () => {}
  const phases = create({ allow_origin_header: '*' }, { log: { error: noop, warn: noop, info: noop, debug: noop } } as never)
  let trailers: Record<string, string> | undefined = { 'grpc-status': '5', 'grpc-message': 'not found', 'x-extra': 'v' }
  const body = Buffer.from('AAAAAAYKBGhleWE=', 'base64')
  const kit = {
    request: {
      method: 'POST',
      normalizedPath: '/hello.HelloService/SayHello',
      header: (n: string) => (n === 'content-type' ? 'application/grpc-web+proto' : undefined),
      body: async () => body,
    },
    upstream: { path: '/', setPath: noop, setHeader: noop, setBody: noop },
    response: { setHeader: noop, header: () => undefined },
    service: { protocol: 'http' },
    get upstreamTrailers() {
      return trailers
    },
    clearUpstreamTrailers() {
      trailers = undefined
    },
  } as unknown as Kit
  t.equal(await phases.access!(kit), undefined)
  const out = phases.bodyFilter!(kit, frame(0, 'm')) as Buffer
  t.same(out, Buffer.concat([frame(0, 'm'), frame(0x80, 'grpc-status:5\r\ngrpc-message:not found\r\nx-extra:v\r\n')]))
  t.equal(trailers, undefined, 'nothing left to send as HTTP trailers')
})
