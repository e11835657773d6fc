// The AWS event-stream framer (application/vnd.amazon.eventstream, Bedrock's ConverseStream
// answer): Kong's unit case for it (spec/03-plugins/38-ai-proxy/01-unit_spec.lua:979, Kong's
// fixture of a real Bedrock stream), the same stream cut at every byte, Kong's bedrock stream
// chunks, and what Kong does not check: both CRCs, lengths, typed headers.
import t from 'tap'
import { EventStreamReader, MAX_MESSAGE } from '../../../src/plugins/shared/aws/eventstream.js'
import { framerFor } from '../../../src/plugins/shared/ai/stream-frames.js'
import type { StreamEvent } from '../../../src/plugins/shared/ai/drivers/types.js'
import { converseEvent, encodeMessage } from '../../helpers/aws-eventstream.js'
import { crc32 } from 'node:zlib'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { fixture } from './openai-standin.js'

const AWS_TYPE = 'application/vnd.amazon.eventstream'
const FIXTURES = fileURLToPath(new URL('../../fixtures/kong-ai-proxy/', import.meta.url))
const INPUT = readFileSync(`${FIXTURES}unit/streaming-chunk-formats/aws/input.bin`)
const chunk = (i: number) => Buffer.from(fixture(`bedrock/chunks/chunk-${i}.txt`), 'base64')

const frame = (...chunks: Buffer[]): StreamEvent[] => {
  const f = framerFor(AWS_TYPE)!
  return [...chunks.flatMap((c) => f.push(c)), ...f.end()]
}

t.test("Kong's AWS stream fixture", async (t) => {
  // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:979
  const events = frame(INPUT)
  const expected = JSON.parse(fixture('unit/streaming-chunk-formats/aws/expected-output.json')) as { data: string }[]
  t.equal(events.length, expected.length)
  expected.forEach((e, i) => t.same(JSON.parse(events[i]!.data!), JSON.parse(e.data), `event ${i + 1}`))
  t.same(
    events.map((e) => e.event),
    ['messageStart', 'contentBlockDelta', 'contentBlockDelta', 'contentBlockStop', 'messageStop', 'metadata'],
    'each event named by its :event-type',
  )
})

t.test('a stream cut anywhere gives the same events', async (t) => {
  const whole = frame(INPUT)
  for (let cut = 1; cut < INPUT.length; cut++) {
    const got = frame(INPUT.subarray(0, cut), INPUT.subarray(cut))
    if (JSON.stringify(got) !== JSON.stringify(whole)) return t.fail(`cut at byte ${cut}`)
  }
  const f = framerFor(AWS_TYPE)!
  const oneByOne: StreamEvent[] = []
  for (const b of INPUT) oneByOne.push(...f.push(Buffer.from([b])))
  t.same(oneByOne, whole, 'byte by byte')
})

t.test("Kong's bedrock stream chunks (tool use)", async (t) => {
  // spec/03-plugins/38-ai-proxy/09-streaming_integration_spec.lua:381: the chunks its stand-in sends, in order
  const events = frame(chunk(1), chunk(2), chunk(3))
  t.same(
    events.map((e) => e.event),
    [
      'messageStart',
      'contentBlockStart',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockStop',
      'messageStop',
      'metadata',
    ],
  )
  const last = JSON.parse(events[9]!.data!)
  t.same(last.headers, { ':event-type': 'metadata', ':content-type': 'application/json', ':message-type': 'event' })
  t.same(JSON.parse(last.body).usage, { inputTokens: 478, outputTokens: 44, totalTokens: 522 })
})

t.test('the content type picks the framer', async (t) => {
  t.ok(framerFor('application/vnd.amazon.eventstream'))
  t.ok(framerFor('Application/Vnd.Amazon.EventStream; charset=utf-8'), 'parameters and case do not matter')
})

t.test('typed headers', async (t) => {
  const msg = encodeMessage(
    [
      { name: 'yes', type: 'true' },
      { name: 'no', type: 'false' },
      { name: 'b', type: 'byte', value: -2 },
      { name: 's', type: 'short', value: -300 },
      { name: 'i', type: 'integer', value: 70000 },
      { name: 'l', type: 'long', value: 1n << 40n },
      { name: 'big', type: 'long', value: 1n << 60n },
      { name: 'bytes', type: 'bytes', value: Buffer.from([1, 2, 3]) },
      { name: 'str', type: 'string', value: 'héllo' },
      { name: 'ts', type: 'timestamp', value: 1700000000000n },
      { name: 'id', type: 'uuid', value: '123e4567-e89b-12d3-a456-426614174000' },
    ],
    'payload',
  )
  const [m] = new EventStreamReader().push(msg)
  t.same(m!.headers, {
    yes: true,
    no: false,
    b: -2,
    s: -300,
    i: 70000,
    l: 2 ** 40,
    big: (1n << 60n).toString(),
    bytes: 'AQID',
    str: 'héllo',
    ts: '2023-11-14T22:13:20.000Z',
    id: '123e4567-e89b-12d3-a456-426614174000',
  })
  t.equal(m!.payload.toString(), 'payload')
  const noHeaders = new EventStreamReader().push(encodeMessage([], ''))
  t.same(noHeaders, [{ headers: {}, payload: Buffer.alloc(0) }], 'the smallest message: 16 bytes, no headers, no payload')
})

t.test('a broken stream is refused, not guessed at', async (t) => {
  const good = converseEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'hi' } })
  const flip = (at: number) => {
    const b = Buffer.from(good)
    b[at] = b[at]! ^ 0xff
    return b
  }
  t.throws(() => new EventStreamReader().push(flip(good.length - 10)), /message CRC mismatch/, 'a payload byte changed')
  t.throws(() => new EventStreamReader().push(flip(20)), /message CRC mismatch/, 'a header byte changed')
  t.throws(() => new EventStreamReader().push(flip(2)), /prelude CRC mismatch/, 'a length byte changed')
  t.throws(() => new EventStreamReader().push(flip(9)), /prelude CRC mismatch/, 'the prelude CRC changed')

  // A prelude with a valid CRC that declares more than AWS's 16 MiB: refused before anything is held.
  const huge = Buffer.alloc(12)
  huge.writeUInt32BE(MAX_MESSAGE + 1, 0)
  huge.writeUInt32BE(0, 4)
  huge.writeUInt32BE(crc32(huge.subarray(0, 8)), 8)
  t.throws(() => new EventStreamReader().push(huge), /message length \d+ out of bounds/)
  const tooSmall = Buffer.alloc(12)
  tooSmall.writeUInt32BE(15, 0)
  tooSmall.writeUInt32BE(crc32(tooSmall.subarray(0, 8)), 8)
  t.throws(() => new EventStreamReader().push(tooSmall), /message length 15 out of bounds/)
  const headersPastEnd = Buffer.alloc(12)
  headersPastEnd.writeUInt32BE(32, 0)
  headersPastEnd.writeUInt32BE(17, 4)
  headersPastEnd.writeUInt32BE(crc32(headersPastEnd.subarray(0, 8)), 8)
  t.throws(() => new EventStreamReader().push(headersPastEnd), /headers length 17 out of bounds/)

  // Valid CRCs around headers that do not parse.
  const unknownType = encodeMessage([{ name: 'x', type: 'string', value: 'v' }], '{}')
  unknownType[12 + 2] = 42
  const fixed = Buffer.from(unknownType)
  fixed.writeUInt32BE(crc32(fixed.subarray(0, fixed.length - 4)), fixed.length - 4)
  t.throws(() => new EventStreamReader().push(fixed), /unknown type 42/)
  const cutHeader = encodeMessage([{ name: 'x', type: 'string', value: 'value' }], '')
  cutHeader.writeUInt16BE(500, 12 + 3)
  cutHeader.writeUInt32BE(crc32(cutHeader.subarray(0, cutHeader.length - 4)), cutHeader.length - 4)
  t.throws(() => new EventStreamReader().push(cutHeader), /runs past its block/)

  // The framer throws once (the runtime ends the answer) and reads nothing after.
  const f = framerFor(AWS_TYPE)!
  t.same(
    f.push(good).map((e) => e.event),
    ['contentBlockDelta'],
  )
  t.throws(() => f.push(flip(good.length - 10)), /CRC mismatch/)
  t.same(f.push(good), [], 'nothing more is read from a broken stream')
})

t.test('what is held is one incomplete message at most', async (t) => {
  const r = new EventStreamReader()
  const m = converseEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'x'.repeat(1000) } })
  t.same(r.push(m.subarray(0, 500)), [])
  t.equal(r.held, 500)
  t.equal(r.push(Buffer.concat([m.subarray(500), m.subarray(0, 5)])).length, 1)
  t.equal(r.held, 5, 'only the start of the next message stays')
})
