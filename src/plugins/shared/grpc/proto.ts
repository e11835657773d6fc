/**
 * A `.proto` file as the grpc-web and grpc-gateway plugins need it: parsed
 * once (protobufjs), with every method of its services by gRPC path
 * (`/package.Service/Method`), its input and output types and its
 * `google.api.http` bindings as written. Loaded when the config is validated
 * and again when it is compiled, never per request.
 *
 * Imports resolve as Kong's kong/tools/grpc.lua resolves them: the file's own
 * directory, then Kong's include directories (`/usr/local/kong/include`,
 * Homebrew's, `/usr/include`). What none of them holds comes with
 * protobufjs: the well-known `google/protobuf/*.proto` types, `descriptor.proto`,
 * and `google/api/annotations.proto` and `http.proto`, so a file that
 * annotates its methods loads without shipping Google's files next to it.
 *
 * protobufjs is required lazily (it is CommonJS): `gateway validate` loads it
 * only for a file whose plugins name a `.proto`.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import type * as Protobuf from 'protobufjs'

const require = createRequire(import.meta.url)

// kong/tools/grpc.lua's include paths that are not relative to Kong's own tree.
const INCLUDE_DIRS = ['/usr/local/kong/include', '/usr/local/opt/protobuf/include', '/usr/include']

export type MessageType = Protobuf.Type

/** One `google.api.http` rule as written (its verb, path template and `body`). */
export interface HttpRule {
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete'
  readonly path: string
  readonly body: string | undefined
}

export interface ProtoMethod {
  /** `/package.Service/Method`: the gRPC path. */
  readonly path: string
  readonly input: MessageType
  readonly output: MessageType
  /** The method's binding, then its `additional_bindings`, in file order. */
  readonly http: readonly HttpRule[]
}

export interface LoadedProto {
  readonly file: string
  /** By gRPC path, in file order. */
  readonly methods: ReadonlyMap<string, ProtoMethod>
}

/** Why a `.proto` could not be used, in words for the config problem. */
export class ProtoError extends Error {}

let lib: typeof Protobuf | undefined
function protobuf(): typeof Protobuf {
  return (lib ??= require('protobufjs') as typeof Protobuf)
}

const VERBS = new Set(['get', 'post', 'put', 'patch', 'delete'])

/** The rules of one `google.api.http` option value: its own, then each of its additional bindings (one level, as Kong reads them). */
function rulesOf(option: unknown): HttpRule[] {
  const rules: HttpRule[] = []
  const one = (o: unknown): void => {
    if (o === null || typeof o !== 'object') return
    const rec = o as Record<string, unknown>
    const body = typeof rec.body === 'string' ? rec.body : undefined
    for (const [key, value] of Object.entries(rec)) {
      const verb = key.toLowerCase()
      if (VERBS.has(verb) && typeof value === 'string') rules.push({ method: verb as HttpRule['method'], path: value, body })
    }
  }
  one(option)
  const extra = (option as Record<string, unknown> | null)?.additional_bindings
  for (const o of Array.isArray(extra) ? extra : [extra]) one(o)
  return rules
}

function httpRules(method: Protobuf.Method): HttpRule[] {
  const rules: HttpRule[] = []
  for (const opt of method.parsedOptions ?? []) {
    const value = (opt as Record<string, unknown>)['(google.api.http)']
    if (value !== undefined) rules.push(...rulesOf(value))
  }
  return rules
}

/** The files `import public` names in `text` (Kong also walks the services of those). */
function publicImports(text: string): string[] {
  return [...text.matchAll(/\bimport\s+public\s+"([^"]+)"/g)].map((m) => m[1]!)
}

/**
 * Parses `file` (relative to the working directory, as Kong opens it) and
 * lists its methods. Throws ProtoError with the reason.
 */
export function loadProto(file: string): LoadedProto {
  const pb = protobuf()
  const main = resolve(file)
  let text: string
  try {
    text = readFileSync(main, 'utf8')
  } catch (err) {
    throw new ProtoError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  const bundled = dirname(require.resolve('protobufjs/package.json'))
  const dirs = [dirname(main), ...INCLUDE_DIRS]
  const root = new pb.Root()
  root.resolvePath = (_origin, target) => {
    if (isAbsolute(target)) return target
    for (const d of dirs) {
      const p = join(d, target)
      if (existsSync(p)) return p
    }
    const own = join(bundled, target)
    if (existsSync(own)) return own
    return join(dirname(main), target)
  }
  try {
    root.loadSync(main, { keepCase: true })
    root.resolveAll()
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { path?: string }
    if (e.code === 'ENOENT') throw new ProtoError(`cannot load ${file}: an import was not found (${e.path ?? e.message})`)
    // The file being parsed is the last one protobufjs took up: name it when it is an import.
    const at = root.files[root.files.length - 1]
    const where = at && at !== main && !e.message.includes(at) ? ` (in ${at})` : ''
    throw new ProtoError(`cannot load ${file}: ${e.message}${where}`)
  }
  const files = new Set([main])
  const walk = (f: string, source: string): void => {
    for (const imp of publicImports(source)) {
      const p = root.resolvePath(f, imp)
      if (p && !files.has(p) && existsSync(p)) {
        files.add(p)
        walk(p, readFileSync(p, 'utf8'))
      }
    }
  }
  walk(main, text)
  const methods = new Map<string, ProtoMethod>()
  const visit = (ns: Protobuf.NamespaceBase): void => {
    for (const obj of ns.nestedArray) {
      if (obj instanceof pb.Service && obj.filename !== null && files.has(obj.filename)) {
        const service = obj.fullName.slice(1)
        for (const m of obj.methodsArray) {
          m.resolve()
          const path = `/${service}/${m.name}`
          methods.set(path, { path, input: m.resolvedRequestType!, output: m.resolvedResponseType!, http: httpRules(m) })
        }
      }
      if (obj instanceof pb.Namespace) visit(obj)
    }
  }
  visit(root)
  return { file, methods }
}

/** Whether a protobufjs value is a 64-bit integer object (protobufjs decodes int64 to Long when long.js is present). */
export function isLong(v: unknown): v is { toString(): string; toNumber(): number } {
  return v !== null && typeof v === 'object' && typeof (v as { toNumber?: unknown }).toNumber === 'function'
}
