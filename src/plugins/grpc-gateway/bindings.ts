/**
 * The REST side of a `.proto`: every google.api.http binding of its methods,
 * by HTTP method, in file order (a method's own rule, then its
 * additional_bindings), compiled once; and the request a matched binding
 * makes (Kong's deco.lua: path variables, then the body or the query
 * arguments, into the method's input message).
 */
import { GRPC_GATEWAY, type TextAnswer } from '../../errors.js'
import type { ArgValue } from '../../http/args.js'
import { LuaError } from '../../lua/core/errors.js'
import { defaultConfig } from '../../lua/lib/cjson-config.js'
import { decodeJson } from '../../lua/lib/cjson-decode.js'
import { NULL } from '../../lua/lib/lightuserdata.js'
import { fromLua } from '../../lua/pdk/convert.js'
import { frame } from '../shared/grpc/frame.js'
import { EncodeError, encodeMessage, setByPath } from '../shared/grpc/json.js'
import type { LoadedProto, MessageType } from '../shared/grpc/proto.js'
import { compileTemplate, type PathTemplate } from './template.js'

export interface Binding {
  readonly template: PathTemplate
  /** The gRPC path the request is sent to: `/package.Service/Method`. */
  readonly grpcPath: string
  readonly input: MessageType
  readonly output: MessageType
  /** `*`, a field name, or undefined (then query arguments fill the message). */
  readonly body: string | undefined
}

export type Bindings = ReadonlyMap<string, readonly Binding[]>

export function compileBindings(proto: LoadedProto): Bindings {
  const out = new Map<string, Binding[]>()
  for (const m of proto.methods.values()) {
    for (const rule of m.http) {
      let list = out.get(rule.method)
      if (!list) out.set(rule.method, (list = []))
      list.push({ template: compileTemplate(rule.path), grpcPath: m.path, input: m.input, output: m.output, body: rule.body })
    }
  }
  return out
}

/** The binding for a request and its path variables, or Kong's 400. */
export function match(bindings: Bindings, method: string, path: string): { binding: Binding; vars: [string, string][] } | { error: TextAnswer } {
  const verb = method.toLowerCase()
  const list = bindings.get(verb)
  if (!list) return { error: GRPC_GATEWAY.unknownMethod(verb) }
  for (const binding of list) {
    const m = binding.template.regex.exec(path)
    if (m) return { binding, vars: binding.template.vars.map((name, i) => [name, m[i + 1]!]) }
  }
  return { error: GRPC_GATEWAY.unknownPath(path) }
}

const CJSON = defaultConfig()

/** cjson.decode, with its messages (`Expected value but found ... at character N`). */
function decodeBody(body: Buffer): { value: unknown } | { error: TextAnswer } {
  try {
    return { value: fromLua(decodeJson(body.toString('latin1'), CJSON), NULL) }
  } catch (err) {
    if (err instanceof LuaError) return { error: GRPC_GATEWAY.badJson(err.message) }
    throw err
  }
}

/** The framed gRPC request for a matched binding, or Kong's 400 (with the encoder's reason, for the log). */
export function upstreamBody(
  b: Binding,
  vars: readonly [string, string][],
  body: Buffer,
  args: () => Map<string, ArgValue>,
): { body: Buffer } | { error: TextAnswer; cause?: string } {
  const payload: Record<string, unknown> = {}
  for (const [name, value] of vars) setByPath(payload, b.input, name, value)
  if (b.body !== undefined) {
    if (body.length > 0) {
      const decoded = decodeBody(body)
      if ('error' in decoded) return decoded
      const v = decoded.value
      if (b.body !== '*') payload[b.body] = v
      else if (v !== null && typeof v === 'object') Object.assign(payload, v)
      else return { error: GRPC_GATEWAY.BODY_NOT_TABLE }
    }
  } else {
    // Fields not bound by the path come from the query when there is no body.
    for (const [name, value] of args()) setByPath(payload, b.input, name, value)
  }
  try {
    return { body: frame(0, encodeMessage(b.input, payload)) }
  } catch (err) {
    if (err instanceof EncodeError) return { error: GRPC_GATEWAY.ENCODE_FAILED, cause: err.message }
    throw err
  }
}
