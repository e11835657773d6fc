// The framers of streamed answers (Kong's frame_to_events, kong/llm/drivers/shared.lua):
// text/event-stream parsed as SSE, JSON lines for application/stream+json and
// application/x-ndjson and for an SSE-typed body that starts with `{`. Kong's
// fixtures (unit/streaming-chunk-formats, unit/real-stream-frames); then what
// Kong does not do: a message cut anywhere across chunks is reassembled, and
// a message that never ends is dropped at a bound.
import t from 'tap'
import { framerFor, type Framer } from '../../../src/plugins/shared/ai/stream-frames.js'
import { MAX_HELD_BYTES } from '../../../src/plugins/shared/ai/frame-limit.js'
import type { StreamEvent } from '../../../src/plugins/shared/ai/drivers/types.js'
import { fixture } from './openai-standin.js'

const frame = (type: string | undefined, ...chunks: (string | Buffer)[]): StreamEvent[] => {
  const f = framerFor(type)!
  const out: StreamEvent[] = []
  for (const c of chunks) out.push(...f.push(Buffer.isBuffer(c) ? c : Buffer.from(c)))
  out.push(...f.end())
  return out
}

t.test('text/event-stream (Kong fixture)', async (t) => {
  const input = fixture('unit/streaming-chunk-formats/text-event-stream/input.bin')
  const expected = JSON.parse(fixture('unit/streaming-chunk-formats/text-event-stream/expected-output.json')) as StreamEvent[]
  const f = framerFor('text/event-stream')!
  // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:969
  t.same(f.push(Buffer.from(input)), expected, "the three complete messages, as Kong's")
  // Kong keeps the unterminated `data: [DONE]` as a truncated frame and never emits it; at the end of the stream we do.
  t.same(f.end(), [{ data: '[DONE]' }])
})

t.test('complete-json: JSON lines sent as text/event-stream (Kong fixture)', async (t) => {
  const input = fixture('unit/streaming-chunk-formats/complete-json/input.bin')
  const expected = JSON.parse(fixture('unit/streaming-chunk-formats/complete-json/expected-output.json')) as StreamEvent[]
  // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:959
  t.same(frame('text/event-stream', input), expected)
})

t.test('real stream frames: one message each (Kong fixtures)', async (t) => {
  // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:785 (frame_to_events of each real frame, its first event)
  for (const [provider, route] of [
    ['openai', 'llm-v1-chat'],
    ['openai', 'llm-v1-completions'],
    ['cohere', 'llm-v1-chat'],
    ['cohere', 'llm-v1-completions'],
  ] as const) {
    const raw = fixture(`unit/real-stream-frames/${provider}/${route}.txt`)
    const events = frame('text/event-stream', raw)
    t.equal(events.length, 1, `${provider} ${route}`)
    const data = events[0]!.data!
    t.match(JSON.parse(data), {}, 'the data is the JSON message')
    t.match(data, /the answer/)
  }
})

t.test('a message cut at any byte across two chunks comes out whole, once', async (t) => {
  const input = Buffer.from(fixture('unit/streaming-chunk-formats/text-event-stream/input.bin') + '\n\n')
  const whole = frame('text/event-stream', input)
  t.equal(whole.length, 4)
  let same = 0
  for (let at = 1; at < input.length; at++) {
    const split = frame('text/event-stream', input.subarray(0, at), input.subarray(at))
    if (JSON.stringify(split) === JSON.stringify(whole)) same++
    else t.fail(`cut at ${at}: ${JSON.stringify(split).slice(0, 200)}`)
  }
  t.equal(same, input.length - 1, 'every cut point')
  // Byte by byte, a multi-byte character split too.
  const utf = Buffer.from('data: {"text":"é ✓"}\n\n')
  t.same(frame('text/event-stream', ...[...utf].map((b) => Buffer.from([b]))), [{ data: '{"text":"é ✓"}' }])
})

t.test('SSE fields: event, id, multi-line data, comments, CRLF, CR and LF line ends', async (t) => {
  t.same(
    frame(
      'text/event-stream; charset=utf-8',
      ': a comment\r\nevent: message_start\r\nid: 7\r\ndata: {"a":1}\r\n\r\n',
      'event:ping\rdata:{}\r\r',
      'data: one\ndata: two\nretry: 5\n\n',
    ),
    [{ event: 'message_start', id: '7', data: '{"a":1}' }, { event: 'ping', data: '{}' }, { data: 'one\ntwo' }],
  )
  t.same(frame('text/event-stream', 'data: x\r', '\ndata: y\r\n\r\n'), [{ data: 'x\ny' }], 'a CRLF cut between chunks is one line end')
  t.same(frame('text/event-stream', '\n\n: only comments\n\n'), [], 'blank messages and comments make no event')
  t.same(frame(undefined, 'data: 1\n\n'), [{ data: '1' }], 'no content type: SSE, as Kong assumes')
})

t.test('JSON lines: application/x-ndjson and application/stream+json', async (t) => {
  for (const type of ['application/x-ndjson', 'application/stream+json']) {
    t.same(frame(type, '{"a":1}\n{"b"', ':2}\r\n\n{"c":3}'), [{ data: '{"a":1}' }, { data: '{"b":2}' }, { data: '{"c":3}' }], type)
  }
  // Kong's `{` rule decides for the whole stream at its first non-blank byte.
  t.same(frame('text/event-stream', '  \n', '{"done":false}\n{"done":true}\n'), [{ data: '{"done":false}' }, { data: '{"done":true}' }])
})

t.test('types Kong does not translate have no framer (the stream passes as it came)', async (t) => {
  t.equal(framerFor('text/plain'), undefined)
  t.equal(framerFor('application/octet-stream'), undefined)
})

t.test('a message that never ends is dropped at the bound; the next one is framed', async (t) => {
  for (const type of ['text/event-stream', 'application/x-ndjson']) {
    const f: Framer = framerFor(type)!
    const big = Buffer.alloc(64 * 1024, 'a')
    const prefix = type === 'text/event-stream' ? 'data: ' : '{"x":"'
    t.same(f.push(Buffer.from(prefix)), [])
    for (let i = 0; i < (2 * MAX_HELD_BYTES) / big.length; i++) t.same(f.push(big), [])
    t.ok((f.dropped ?? 0) > MAX_HELD_BYTES, `${type}: the held bytes were dropped and counted (${f.dropped})`)
    const next = type === 'text/event-stream' ? '\n\ndata: {"ok":1}\n\n' : '\n{"ok":1}\n'
    t.same(f.push(Buffer.from(next)), [{ data: '{"ok":1}' }], `${type}: framing goes on after the dropped message`)
  }
})
