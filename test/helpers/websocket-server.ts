/**
 * The server side of a WebSocket (RFC 6455), as much as a stand-in needs: the
 * handshake on Node's `upgrade` event, text frames both ways, ping/pong and
 * close. Written on Node's own upgrade handling because `ws` is only a
 * transitive dependency here (no types, not declared). Clients must mask their
 * frames and send each message unfragmented (undici's WebSocket does both);
 * anything else is a protocol error and closes the connection, so a stand-in
 * never silently misreads a message.
 */
import { createHash } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
const TEXT = 0x1
const CLOSE = 0x8
const PING = 0x9
const PONG = 0xa

export interface WebSocketPeer {
  send(text: string): void
  close(): void
}

function frame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length
  let head: Buffer
  if (n < 126) head = Buffer.from([0x80 | opcode, n])
  else if (n < 0x10000) {
    head = Buffer.alloc(4)
    head[0] = 0x80 | opcode
    head[1] = 126
    head.writeUInt16BE(n, 2)
  } else {
    head = Buffer.alloc(10)
    head[0] = 0x80 | opcode
    head[1] = 127
    head.writeBigUInt64BE(BigInt(n), 2)
  }
  return Buffer.concat([head, payload])
}

/** Completes the handshake and calls `onText` for each text message the client sends. */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, onText: (text: string, peer: WebSocketPeer) => void): WebSocketPeer {
  const accept = createHash('sha1')
    .update(`${String(req.headers['sec-websocket-key'])}${GUID}`)
    .digest('base64')
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`)
  let closed = false
  const write = (opcode: number, payload: Buffer) => {
    if (!closed && socket.writable) socket.write(frame(opcode, payload))
  }
  const closeWith = (code: number) => {
    const p = Buffer.alloc(2)
    p.writeUInt16BE(code, 0)
    write(CLOSE, p)
    closed = true
    socket.end()
  }
  const peer: WebSocketPeer = { send: (text) => write(TEXT, Buffer.from(text, 'utf8')), close: () => closeWith(1000) }

  let buf = head
  const drain = () => {
    while (!closed && buf.length >= 2) {
      const b0 = buf[0]!
      const b1 = buf[1]!
      let len = b1 & 0x7f
      let at = 2
      if (len === 126) {
        if (buf.length < 4) return
        len = buf.readUInt16BE(2)
        at = 4
      } else if (len === 127) {
        if (buf.length < 10) return
        len = Number(buf.readBigUInt64BE(2))
        at = 10
      }
      const masked = (b1 & 0x80) !== 0
      const maskAt = at
      if (masked) at += 4
      if (buf.length < at + len) return
      const payload = Buffer.from(buf.subarray(at, at + len))
      for (let i = 0; masked && i < len; i++) payload[i] = payload[i]! ^ buf[maskAt + (i & 3)]!
      buf = buf.subarray(at + len)
      const fin = (b0 & 0x80) !== 0
      const opcode = b0 & 0x0f
      if (!fin || !masked) return closeWith(1002)
      if (opcode === TEXT) onText(payload.toString('utf8'), peer)
      else if (opcode === PING) write(PONG, payload)
      else if (opcode === CLOSE) {
        write(CLOSE, payload.subarray(0, 2))
        closed = true
        socket.end()
      } else if (opcode !== PONG) return closeWith(1003)
    }
  }
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d])
    drain()
  })
  socket.on('error', () => socket.destroy())
  drain()
  return peer
}
