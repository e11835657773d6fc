/**
 * grpc-gateway: REST clients call a gRPC service through the `.proto`'s
 * google.api.http bindings, as Kong's plugin does. Access answers CORS
 * preflights, finds the binding of the method and path (bindings.ts),
 * builds the method's input message from the path variables and the JSON
 * body or the query, and sends it as a gRPC call (`POST
 * /package.Service/Method`, `application/grpc`, `TE: trailers`, no query).
 * header_filter turns a `grpc-status` header (a Trailers-Only answer: a
 * failed call) into an HTTP status; body_filter turns the answer's messages
 * into JSON. The `.proto` is parsed and its templates compiled once per
 * instance, when the config is compiled.
 */
import { GRPC_GATEWAY, type TextAnswer } from '../../errors.js'
import { decodeArgs } from '../../http/args.js'
import { definePhases, type Exit, type Kit } from '../types.js'
import { unframeAll } from '../shared/grpc/frame.js'
import { decodeToJson } from '../shared/grpc/json.js'
import { loadedProto } from '../shared/grpc/proto-schema.js'
import { compileBindings, match, upstreamBody, type Binding, type Bindings } from './bindings.js'
import type { GrpcGatewayConfig } from './schema.js'

// google/rpc/code.proto's HTTP mapping, as Kong's handler has it.
const HTTP_STATUS: Readonly<Record<string, number>> = {
  '0': 200,
  '1': 499,
  '2': 500,
  '3': 400,
  '4': 504,
  '5': 404,
  '6': 409,
  '7': 403,
  '8': 429,
  '9': 400,
  '10': 409,
  '11': 400,
  '12': 500,
  '13': 500,
  '14': 503,
  '15': 500,
  '16': 401,
}

export default definePhases<GrpcGatewayConfig>((conf, env) => {
  const loaded = conf.proto !== undefined ? loadedProto(conf.proto, env.log) : undefined
  const bindings: Bindings | undefined = loaded && !('error' in loaded) ? compileBindings(loaded) : undefined
  // A file that did not load: Kong's deco answers each request 400 with why.
  const unloadable: Exit | undefined = loaded && 'error' in loaded ? GRPC_GATEWAY.badProto(loaded.error) : undefined
  const calls = new WeakMap<Kit, Binding>()

  const refuse = (answer: TextAnswer): Exit => {
    env.log.error(answer.body)
    return answer
  }

  return {
    async access(kit) {
      kit.response.setHeader('access-control-allow-origin', '*')
      if (kit.request.method === 'OPTIONS') return GRPC_GATEWAY.PREFLIGHT
      if (unloadable) return unloadable
      if (!bindings) return refuse(GRPC_GATEWAY.NEEDS_PROTO)
      const found = match(bindings, kit.request.method, kit.request.normalizedPath)
      if ('error' in found) return refuse(found.error)
      const { binding } = found
      calls.set(kit, binding)
      const up = kit.upstream
      up.setHeader('content-type', 'application/grpc')
      up.setHeader('te', 'trailers')
      const built = upstreamBody(binding, found.vars, await kit.request.body(), () => decodeArgs(kit.request.rawQuery))
      if ('error' in built) {
        if (built.cause !== undefined) env.log.error(built.cause)
        return refuse(built.error)
      }
      up.setBody(built.body)
      up.setPath(binding.grpcPath)
      up.setRawQuery('')
      up.setMethod('POST')
      return undefined
    },

    headerFilter(kit) {
      if (kit.request.method === 'OPTIONS') return
      if (calls.has(kit)) kit.response.setHeader('content-type', 'application/json')
      const grpcStatus = kit.response.header('grpc-status')
      if (grpcStatus === undefined || !/^\s*\d+\s*$/.test(grpcStatus)) return
      let status = HTTP_STATUS[String(Number(grpcStatus))]
      if (status === undefined) {
        env.log.warn(`Unable to map grpc-status ${grpcStatus} to HTTP status code`)
        status = 500
      }
      kit.response.status = status
    },

    bodyFilter(kit, body) {
      const binding = calls.get(kit)
      if (!binding) return body
      const { frames, rest } = unframeAll(body)
      // Nothing decodable (no complete message): the body as it came, as Kong passes it at the end.
      if (frames.length === 0) return rest
      return frames.map((f) => decodeToJson(binding.output, f)).join('')
    },
  }
})
