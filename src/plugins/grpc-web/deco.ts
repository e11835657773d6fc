/**
 * grpc-web's body conversion (Kong's kong/plugins/grpc-web/deco.lua): what a
 * content type means (base64 text or binary; gRPC framing or none; protobuf
 * or JSON messages), the request body turned into what a gRPC server reads,
 * and the gRPC answer turned back into what the client asked for.
 */
import { GRPC_WEB, type TextAnswer } from '../../errors.js'
import { frame, trailerFrame, unframeAll } from '../shared/grpc/frame.js'
import { decodeToJson, encodeMessage } from '../shared/grpc/json.js'
import type { LoadedProto, MessageType } from '../shared/grpc/proto.js'
import { decodeTextBody } from '../shared/grpc/text.js'

interface Mode {
  readonly text: boolean
  readonly framed: boolean
  readonly json: boolean
}

// Kong's three tables, one entry per type it knows (an exact Content-Type value).
const MODES: Readonly<Record<string, Mode>> = {
  'application/grpc-web': { text: false, framed: true, json: false },
  'application/grpc-web-text': { text: true, framed: true, json: false },
  'application/grpc-web+proto': { text: false, framed: true, json: false },
  'application/grpc-web-text+proto': { text: true, framed: true, json: false },
  'application/grpc-web+json': { text: false, framed: true, json: true },
  'application/grpc-web-text+json': { text: true, framed: true, json: true },
  'application/json': { text: false, framed: false, json: true },
}

// A type Kong does not know: no text, no framing, and messages converted as for JSON (its tables give nil).
const UNKNOWN: Mode = { text: false, framed: false, json: true }

export class Deco {
  constructor(
    /** The request's Content-Type, sent back as the response's. */
    readonly mimetype: string | undefined,
    private readonly mode: Mode,
    private readonly input: MessageType | undefined,
    private readonly output: MessageType | undefined,
  ) {}

  get framed(): boolean {
    return this.mode.framed
  }

  /** The request body for the gRPC server. Throws when it cannot be read (Kong fails the request: 500). */
  upstream(body: Buffer): Buffer {
    let bytes = body
    if (this.mode.text) {
      const decoded = decodeTextBody(body.toString('latin1'))
      if (!decoded) throw new Error('grpc-web: the request body is not base64')
      bytes = decoded
    }
    if (this.mode.json && this.input) {
      // Kong reads the first message only.
      const msg = this.mode.framed ? (unframeAll(bytes).frames[0] ?? Buffer.alloc(0)) : bytes
      const value = JSON.parse(msg.toString('utf8')) as unknown
      if (value === null || typeof value !== 'object') throw new Error('grpc-web: the JSON message is not an object')
      return frame(0, encodeMessage(this.input, value as Record<string, unknown>))
    }
    return bytes
  }

  /** The gRPC answer's body for the client (whole: its messages, converted and re-framed as asked). */
  downstream(body: Buffer): Buffer {
    let out = body
    if (this.mode.json && this.output) {
      const parts: Buffer[] = []
      for (const f of unframeAll(body).frames) {
        const json = Buffer.from(decodeToJson(this.output, f))
        parts.push(this.mode.framed ? frame(0, json) : json)
      }
      out = Buffer.concat(parts)
    }
    return this.mode.text ? Buffer.from(out.toString('base64')) : out
  }

  /** gRPC-Web's trailer frame, in the client's encoding (its own base64 run in text mode). */
  trailer(trailers: Readonly<Record<string, string>>): Buffer {
    const f = trailerFrame(trailers)
    return this.mode.text ? Buffer.from(f.toString('base64')) : f
  }
}

/** The converter for one request, or Kong's 400. */
export function newDeco(mimetype: string | undefined, path: string, proto: LoadedProto | undefined): Deco | TextAnswer {
  const mode = (mimetype !== undefined ? MODES[mimetype] : undefined) ?? UNKNOWN
  if (!mode.json) return new Deco(mimetype, mode, undefined, undefined)
  if (!proto) return GRPC_WEB.NEEDS_PROTO
  const method = proto.methods.get(path)
  if (!method) return GRPC_WEB.unknownPath(path)
  return new Deco(mimetype, mode, method.input, method.output)
}
