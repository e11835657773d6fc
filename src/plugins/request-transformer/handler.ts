/**
 * request-transformer: Kong's order is uri → method → headers → body →
 * querystring; within each, remove → rename → replace → add → append.
 * Templates are compiled here, once; a request only renders them.
 */
import { UNEXPECTED } from '../../errors.js'
import { definePhases, type Exit, type Kit } from '../types.js'
import { decodeArgs } from '../../http/args.js'
import { bodyKind, type BodyKind } from '../shared/body.js'
import { formParams, transformForm, transformJson, transformMultipart, type BodyOps } from './body.js'
import { splitPair, type RequestTransformerConfig } from './schema.js'
import { compileTemplate, type ExpressionEngine, type Template, type TemplateScope } from '../shared/template.js'
import { luaExpressionEngine } from '../shared/lua-template.js'
import { luaErrorFields } from '../../lua/engine.js'
import { liveHeader } from '../../lua/pdk/headers.js'

const COPY_BODY_TO_QUERY = new Set(['GET', 'HEAD', 'TRACE'])

interface Entry {
  name: string
  /** Undefined for an empty value (Kong's nil). */
  value: Template | undefined
}

const EMPTY_SCOPE: TemplateScope = { header: () => undefined, query: () => undefined, capture: () => undefined, shared: () => undefined }

function compiler(engine: ExpressionEngine, templates: Template[]) {
  const template = (source: string): Template => {
    const t = compileTemplate(source, engine)
    // The schema already refused these; this only guards configs built without it.
    if ('error' in t) throw new TypeError(`request-transformer: ${t.error}`)
    templates.push(t)
    return t
  }
  return (entries: readonly string[]): Entry[] =>
    entries.map((e) => {
      const p = splitPair(e) ?? { name: e, value: '' }
      return { name: p.name, value: p.value === '' ? undefined : template(p.value) }
    })
}

/** The values templates read, taken before this plugin changes anything (Kong's read-only template env); headers as Kong's PDK reads them. */
function scopeFor(kit: Kit, headerNames: readonly string[]): TemplateScope {
  const headers = new Map<string, string | readonly string[] | undefined>()
  for (const h of headerNames) headers.set(h, liveHeader(kit, h))
  let query: Map<string, unknown> | undefined
  return {
    kit,
    header: (name) => headers.get(name),
    query: (name) => (query ??= decodeArgs(kit.request.rawQuery)).get(name) as ReturnType<TemplateScope['query']>,
    capture: (key) => {
      const c = kit.request.uriCaptures
      if (!c) return undefined
      return typeof key === 'number' ? c.unnamed[key] : Object.hasOwn(c.named, key) ? c.named[key] : undefined
    },
    shared: (name) => (Object.hasOwn(kit.shared, name) ? kit.shared[name] : undefined),
  }
}

const values = (v: string | readonly string[] | undefined): string[] => (v === undefined ? [] : typeof v === 'string' ? [v] : [...v])

export default definePhases<RequestTransformerConfig>((conf, env) => {
  const templates: Template[] = []
  const engine = luaExpressionEngine()
  const compile = compiler(engine, templates)
  const uri = conf.replace.uri === undefined || conf.replace.uri === '' ? undefined : compileTemplate(conf.replace.uri, engine)
  if (uri && 'error' in uri) throw new TypeError(`request-transformer: ${uri.error}`)
  if (uri) templates.push(uri)
  const method = conf.http_method?.toUpperCase()

  const h = {
    remove: conf.remove.headers.map((n) => (splitPair(n)?.name ?? n).toLowerCase()),
    rename: compile(conf.rename.headers).map((e) => {
      const to = e.value?.render(EMPTY_SCOPE)
      // Kong sends a rename lower-cased, unless only the case changes: then as configured (`rename:Rename`).
      const caseOnly = to !== undefined && to !== e.name && to.toLowerCase() === e.name.toLowerCase()
      return [e.name.toLowerCase(), caseOnly ? to : to?.toLowerCase()] as const
    }),
    replace: compile(conf.replace.headers),
    add: compile(conf.add.headers),
    append: compile(conf.append.headers),
  }
  const q = {
    remove: conf.remove.querystring,
    rename: compile(conf.rename.querystring),
    replace: compile(conf.replace.querystring),
    add: compile(conf.add.querystring),
    append: compile(conf.append.querystring),
  }
  const b = {
    remove: conf.remove.body,
    rename: compile(conf.rename.body),
    replace: compile(conf.replace.body),
    add: compile(conf.add.body),
    append: compile(conf.append.body),
  }
  const hasQuery = Object.values(q).some((l) => l.length > 0)
  const hasBody = Object.values(b).some((l) => l.length > 0)
  const dynamic = templates.some((t) => t.dynamic)
  const headerDeps = [...new Set(templates.flatMap((t) => t.headers))]

  const render = (e: Entry, scope: TemplateScope) => e.value?.render(scope)
  const pairs = (list: Entry[], scope: TemplateScope) => list.map((e) => [e.name, render(e, scope) ?? ''] as const)

  const transformHeaders = (kit: Kit, scope: TemplateScope) => {
    const up = kit.upstream
    // Kong drops Host from the table it edits: only replace (and append) may set it.
    for (const name of h.remove) if (name !== 'host' && up.header(name) !== undefined) up.clearHeader(name)
    for (const [from, to] of h.rename) {
      const v = up.header(from)
      if (to === undefined || from === to || from === 'host' || v === undefined) continue
      up.clearHeader(from)
      up.setHeader(to, v)
    }
    for (const e of h.replace) {
      const name = e.name.toLowerCase()
      const v = render(e, scope)
      if (v !== undefined && (name === 'host' || up.header(name) !== undefined)) up.setHeader(name, v)
    }
    // add and append send the name as configured (Kong sets it under that key); replace keeps the request's.
    for (const e of h.add) {
      const v = render(e, scope)
      if (v !== undefined && e.name.toLowerCase() !== 'host' && up.header(e.name) === undefined) up.setHeader(e.name, v)
    }
    for (const e of h.append) {
      const v = render(e, scope)
      if (v === undefined) continue
      const current = e.name.toLowerCase() === 'host' ? [] : values(up.header(e.name))
      up.setHeader(e.name, current.length === 0 ? v : [...current, v])
    }
  }

  const transformQuery = (kit: Kit, scope: TemplateScope) => {
    const query = kit.upstream.query
    for (const name of q.remove) query.delete(name)
    for (const e of q.rename) {
      const to = render(e, scope) ?? ''
      if (to === e.name || !query.has(e.name)) continue
      const moved = query.getAll(e.name)
      query.delete(e.name)
      query.delete(to)
      for (const v of moved) query.append(to, v)
    }
    for (const e of q.replace) if (query.has(e.name)) query.set(e.name, render(e, scope) ?? '')
    for (const e of q.add) if (!query.has(e.name)) query.append(e.name, render(e, scope) ?? '')
    for (const e of q.append) query.append(e.name, render(e, scope) ?? '')
  }

  const transformBody = (kit: Kit, scope: TemplateScope, body: Buffer, type: BodyKind, contentType: string) => {
    const ops: BodyOps = {
      remove: b.remove,
      rename: pairs(b.rename, scope),
      replace: pairs(b.replace, scope),
      add: pairs(b.add, scope),
      append: pairs(b.append, scope),
    }
    const out = type === 'json' ? transformJson(body, ops) : type === 'form' ? transformForm(body, ops) : transformMultipart(body, contentType, ops)
    if (out !== undefined) kit.upstream.setBody(out)
  }

  /** uri, method and headers: everything before the body (`body`: the client's, read only to copy a form into the query). */
  const head = (kit: Kit, scope: TemplateScope, body: Buffer | undefined): Exit | undefined => {
    if (uri) {
      const path = uri.render(scope)
      if (!path.startsWith('/')) {
        env.log.error('replace.uri rendered a path that does not start with /', { path })
        // A Lua error in Kong's access phase (set_path refusing the path) ends as this 500.
        return UNEXPECTED
      }
      kit.upstream.setPath(path)
    }
    if (method) {
      kit.upstream.setMethod(method)
      if (body && COPY_BODY_TO_QUERY.has(method)) {
        const query = kit.upstream.query
        for (const [name, v] of formParams(body)) for (const one of Array.isArray(v) ? v : [v]) query.append(name, one === true ? '' : String(one))
      }
    }
    transformHeaders(kit, scope)
    return undefined
  }

  /** body then querystring. */
  const tail = (kit: Kit, scope: TemplateScope, body: Buffer | undefined, type: BodyKind | undefined, contentType: string): undefined => {
    if (body && type) transformBody(kit, scope, body, type, contentType)
    if (hasQuery) transformQuery(kit, scope)
    return undefined
  }

  // A Lua template that fails (an error, the budget) is Kong's 500, logged with Lua's message.
  const failed = (kit: Kit, e: unknown): Exit => {
    env.log.error(`[request-transformer] failed to render a template: ${e instanceof Error ? e.message : String(e)}`, luaErrorFields(e, kit))
    return UNEXPECTED
  }
  const guard =
    <A extends unknown[]>(fn: (kit: Kit, ...a: A) => Exit | undefined) =>
    (kit: Kit, ...a: A): Exit | undefined => {
      try {
        return fn(kit, ...a)
      } catch (e) {
        return failed(kit, e)
      }
    }
  const safeHead = guard(head)
  const safeTail = guard(tail)

  /** After the headers: the body is judged by the Content-Type the upstream will get (Kong reads it after its own edits). */
  const afterHead = (kit: Kit, scope: TemplateScope): Exit | Promise<Exit | undefined> | undefined => {
    if (!hasBody) return safeTail(kit, scope, undefined, undefined, '')
    const ct = kit.upstream.header('content-type')
    const contentType = (typeof ct === 'string' ? ct : ct?.[0]) ?? ''
    // request-transformer's own test (a substring, JSON first), not get_body's.
    const type = bodyKind(contentType, 'anywhere')
    // The body is read only when Kong would read it.
    if (!type) return safeTail(kit, scope, undefined, undefined, contentType)
    return kit.request.body().then((body) => safeTail(kit, scope, body, type, contentType))
  }

  const copiesBody = method !== undefined && COPY_BODY_TO_QUERY.has(method)

  return {
    access(kit) {
      const scope = dynamic ? scopeFor(kit, headerDeps) : EMPTY_SCOPE
      // A form body goes into the query of a GET: read before the method changes anything.
      if (copiesBody && bodyKind(kit.request.header('content-type'), 'anywhere') === 'form') {
        return kit.request.body().then((body) => safeHead(kit, scope, body) ?? afterHead(kit, scope))
      }
      return safeHead(kit, scope, undefined) ?? afterHead(kit, scope)
    },
  }
})
