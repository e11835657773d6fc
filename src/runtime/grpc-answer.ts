/**
 * The gateway's own answers to gRPC clients, as Kong shapes them
 * (kong/pdk/response.lua `send`, kong/error_handlers.lua): on a gRPC request
 * (a gRPC content type over HTTP/2: Kong's is_grpc_request) an answer carries
 * `grpc-status` (mapped from the HTTP status unless one is set) and
 * `grpc-message` (the answer's message, else the status's name) in its head,
 * with an empty body: a trailers-only gRPC answer. The HTTP status stays what
 * it was (401, 429, 503...), as in Kong; gRPC clients read grpc-status first.
 */
import type { IncomingMessage } from 'node:http'
import { GRPC_STATUS_NAMES, grpcStatusOf } from '../errors.js'
import { firstValue } from './headers.js'
import type { OutHeaders } from './transport.js'

const GRPC_TYPE = 'application/grpc'

/** Kong's is_grpc_request: the request's Content-Type starts with application/grpc, over HTTP/2. */
export function isGrpcRequest(req: IncomingMessage): boolean {
  return req.httpVersionMajor === 2 && (firstValue(req.headers['content-type']) ?? '').startsWith(GRPC_TYPE)
}

/**
 * Kong's error handler asks for gRPC: its Accept starts with application/grpc,
 * or, without Accept, its Content-Type does (error_default_type never names gRPC).
 */
export function asksGrpc(req: IncomingMessage): boolean {
  return (firstValue(req.headers.accept) ?? firstValue(req.headers['content-type']) ?? '').startsWith(GRPC_TYPE)
}

/** A content type that makes the answer itself gRPC (Kong's is_grpc_output). */
export function isGrpcType(contentType: string | string[] | number | undefined): boolean {
  return contentType !== undefined && String(contentType).startsWith(GRPC_TYPE)
}

/**
 * Writes grpc-status and grpc-message on a gRPC answer's headers: the status
 * unless one is set; `message` when the answer has one (it replaces any set),
 * else the status's name when the status was mapped here and none is set.
 */
export function grpcHead(status: number, headers: OutHeaders, message: string | undefined): void {
  let mapped: number | undefined
  if (headers['grpc-status'] === undefined) headers['grpc-status'] = String((mapped = grpcStatusOf(status)))
  if (message !== undefined) headers['grpc-message'] = message
  else if (mapped !== undefined && headers['grpc-message'] === undefined) headers['grpc-message'] = GRPC_STATUS_NAMES[mapped]!
}
