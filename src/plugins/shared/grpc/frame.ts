/**
 * gRPC's length-prefixed messages (the HTTP/2 body framing gRPC and gRPC-Web
 * share): one flag byte (0x00 a message, 0x80 gRPC-Web's trailer frame), a
 * 32-bit big-endian length, the bytes. Kong's kong/tools/grpc.lua frame and
 * unframe, for the grpc-web and grpc-gateway plugins.
 */

/** The flag of gRPC-Web's trailer frame. */
export const TRAILER_FLAG = 0x80

/** One frame: flag, length, payload. */
export function frame(flag: number, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload
  const head = Buffer.allocUnsafe(5)
  head[0] = flag
  head.writeUInt32BE(body.length, 1)
  return Buffer.concat([head, body], 5 + body.length)
}

/**
 * Every complete frame at the start of `bytes`, in order, and what is left
 * after them (an incomplete frame, or nothing): Kong's unframe loop, which
 * keeps the rest for the next chunk.
 */
export function unframeAll(bytes: Buffer): { frames: Buffer[]; rest: Buffer } {
  const frames: Buffer[] = []
  let at = 0
  while (bytes.length - at >= 5) {
    const size = bytes.readUInt32BE(at + 1)
    if (bytes.length - at - 5 < size) break
    frames.push(bytes.subarray(at + 5, at + 5 + size))
    at += 5 + size
  }
  return { frames, rest: bytes.subarray(at) }
}

/**
 * gRPC-Web's trailer frame as Kong writes it: `grpc-status`, then
 * `grpc-message` (`name:value\r\n` each), then any other trailer the upstream sent.
 */
export function trailerFrame(trailers: Readonly<Record<string, string>>): Buffer {
  let text = `grpc-status:${trailers['grpc-status'] ?? '0'}\r\ngrpc-message:${trailers['grpc-message'] ?? ''}\r\n`
  for (const [name, value] of Object.entries(trailers)) {
    if (name !== 'grpc-status' && name !== 'grpc-message') text += `${name}:${value}\r\n`
  }
  return frame(TRAILER_FLAG, text)
}
