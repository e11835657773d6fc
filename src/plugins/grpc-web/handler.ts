/**
 * grpc-web: lets browsers (gRPC-Web, binary or base64 text) and plain JSON
 * clients call a gRPC service over HTTP/1.1, as Kong's plugin does. Access
 * answers CORS preflights, converts the request body (deco.ts) and makes the
 * upstream request a gRPC one (`Content-Type: application/grpc`, `TE:
 * trailers`); header_filter gives the answer the client's content type back;
 * body_filter converts the messages and folds the upstream's trailers into
 * gRPC-Web's trailer frame (flag 0x80) at the end of the body. The `.proto`
 * is parsed once per instance, when the config is compiled.
 */
import { GRPC_WEB } from '../../errors.js'
import { definePhases, type Exit, type Kit } from '../types.js'
import { loadedProto } from '../shared/grpc/proto-schema.js'
import { Deco, newDeco } from './deco.js'
import type { GrpcWebConfig } from './schema.js'

const GRPC_SERVICE = new Set(['grpc', 'grpcs'])

/** The trailers for the trailer frame: the upstream's, else those of a trailers-only answer (its headers). */
function trailersOf(kit: Kit): Record<string, string> {
  const t = kit.upstreamTrailers
  if (t && t['grpc-status'] !== undefined) return t
  const status = kit.response.header('grpc-status')
  if (status === undefined) return t ?? {}
  const message = kit.response.header('grpc-message')
  return { ...t, 'grpc-status': status, ...(message !== undefined ? { 'grpc-message': message } : {}) }
}

export default definePhases<GrpcWebConfig>((conf, env) => {
  const loaded = conf.proto !== undefined ? loadedProto(conf.proto, env.log) : undefined
  const proto = loaded && !('error' in loaded) ? loaded : undefined
  // A file that did not load: Kong's deco answers each request 400 with why.
  const unloadable: Exit | undefined = loaded && 'error' in loaded ? GRPC_WEB.badProto(loaded.error) : undefined
  const origin = conf.allow_origin_header
  const preflight: Exit = GRPC_WEB.preflight(origin)
  const decos = new WeakMap<Kit, Deco>()

  return {
    async access(kit) {
      kit.response.setHeader('access-control-allow-origin', origin)
      if (kit.request.method === 'OPTIONS') return preflight
      const up = kit.upstream
      const grpcService = GRPC_SERVICE.has(kit.service?.protocol ?? '')
      let path: string
      if (conf.pass_stripped_path) {
        // The route's stripped path (Kong's upstream_uri), which a gRPC service would not otherwise get.
        path = up.path
        if (grpcService) up.setPath(path)
      } else {
        path = kit.request.normalizedPath
        // Kong's grpc_pass sends the request's own path to a gRPC service.
        if (grpcService) up.setPath(path)
      }
      if (unloadable) return unloadable
      const dec = newDeco(kit.request.header('content-type'), path, proto)
      if (!(dec instanceof Deco)) {
        env.log.error(dec.body)
        return dec
      }
      decos.set(kit, dec)
      up.setHeader('content-type', 'application/grpc')
      up.setHeader('te', 'trailers')
      up.setBody(dec.upstream(await kit.request.body()))
      return undefined
    },

    headerFilter(kit) {
      if (kit.request.method === 'OPTIONS') return
      const dec = decos.get(kit)
      if (dec?.mimetype !== undefined) kit.response.setHeader('content-type', dec.mimetype)
    },

    bodyFilter(kit, body) {
      if (kit.request.method !== 'POST') return body
      const dec = decos.get(kit)
      if (!dec) return body
      const out = dec.downstream(body)
      if (!dec.framed) return out
      const trailer = dec.trailer(trailersOf(kit))
      kit.clearUpstreamTrailers()
      return Buffer.concat([out, trailer])
    },
  }
})
