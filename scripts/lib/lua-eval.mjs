/**
 * A small evaluator for the table-building Lua that Kong's schema files are
 * made of (luaparse for the syntax). It runs module top levels, local
 * functions, loops and metatables (`__call`, `__index`, `__tostring`), which
 * is what Kong's schemas use to build their tables (Schema.define, typedefs
 * called with overrides, loops over constants). It is not a Lua runtime: what
 * it cannot know (a module it does not load, ngx, randomness) is an Opaque
 * value that remembers the expression it came from, so a default computed at
 * run time shows up as such instead of as a guess.
 *
 * Used only by scripts/kong-plugin-defaults.mjs, run by hand against a Kong
 * checkout; it never runs in the gateway.
 */
import luaparse from 'luaparse'

/** Lua's ngx.null (cjson's null): a value distinct from nil. */
export const NULL = Object.freeze({ toString: () => 'ngx.null' })

export class LuaTable {
  constructor() {
    this.map = new Map()
    this.meta = undefined
  }
  get(k) {
    return this.map.get(normKey(k))
  }
  set(k, v) {
    if (v === undefined) this.map.delete(normKey(k))
    else this.map.set(normKey(k), v)
  }
  length() {
    let n = 0
    while (this.map.has(n + 1)) n++
    return n
  }
  push(v) {
    this.set(this.length() + 1, v)
  }
  /** A table whose keys are exactly 1..n (n may be 0). */
  isSequence() {
    return this.length() === this.map.size
  }
  static from(obj) {
    const t = new LuaTable()
    if (Array.isArray(obj)) obj.forEach((v, i) => t.set(i + 1, v))
    else for (const [k, v] of Object.entries(obj)) t.set(k, v)
    return t
  }
}

/** A value the evaluator cannot know; `desc` is the expression that produced it. */
export class Opaque {
  constructor(desc) {
    this.desc = desc
  }
}

export class LuaFunction {
  constructor(node, scope, name, file) {
    this.node = node
    this.scope = scope
    this.name = name
    this.file = file
  }
}

/** A function written in JS: `fn(args) => results[]`. */
export class Native {
  constructor(name, fn) {
    this.name = name
    this.fn = fn
  }
}

class Uncertain extends Error {}

function normKey(k) {
  return k
}

class Scope {
  constructor(parent) {
    this.parent = parent
    this.vars = new Map()
  }
  lookup(name) {
    if (this.vars.has(name)) return this
    return this.parent?.lookup(name)
  }
}

const truthy = (v) => {
  if (v instanceof Opaque) throw new Uncertain(`condition on ${v.desc}`)
  return v !== undefined && v !== false
}

export function luaType(v) {
  if (v === undefined) return 'nil'
  if (v === NULL) return 'userdata'
  if (typeof v === 'string') return 'string'
  if (typeof v === 'number') return 'number'
  if (typeof v === 'boolean') return 'boolean'
  if (v instanceof LuaTable) return 'table'
  if (v instanceof LuaFunction || v instanceof Native) return 'function'
  return 'opaque'
}

/** Lua strings from luaparse's pseudo-latin1 (one char per byte) back to UTF-8 text. */
function decodeString(node) {
  return Buffer.from(node.value, 'latin1').toString('utf8')
}

export class Interpreter {
  /**
   * @param {object} opts
   * @param {(file: string) => string | undefined} opts.readFile  a Kong file's text, by repository path
   * @param {(name: string, interp: Interpreter) => unknown} opts.resolveModule  a module value, or undefined to load it from its file
   * @param {(name: string) => boolean} opts.loadable  whether a module's file may be evaluated
   */
  constructor(opts) {
    this.opts = opts
    this.modules = new Map()
    this.loaded = new Set()
    this.opaqueModules = new Set()
    this.warnings = []
    this.steps = 0
    this.globals = new Scope(undefined)
    installStdlib(this)
  }

  step() {
    if (++this.steps > 20_000_000) throw new Error('evaluation step budget exhausted')
  }

  require(name) {
    if (this.modules.has(name)) return this.modules.get(name)
    const hand = this.opts.resolveModule(name, this)
    if (hand !== undefined) {
      this.modules.set(name, hand)
      return hand
    }
    const base = name.replace(/\./g, '/')
    const text = this.opts.loadable(name) ? (this.opts.readFile(`${base}.lua`) ?? this.opts.readFile(`${base}/init.lua`)) : undefined
    if (text === undefined) {
      this.opaqueModules.add(name)
      const o = new Opaque(`require("${name}")`)
      this.modules.set(name, o)
      return o
    }
    this.modules.set(name, new Opaque(`require("${name}") (cyclic)`))
    const file = this.opts.readFile(`${base}.lua`) !== undefined ? `${base}.lua` : `${base}/init.lua`
    const [value] = this.runChunk(text, file)
    this.loaded.add(file)
    const v = value === undefined ? true : value
    this.modules.set(name, v)
    return v
  }

  /** Runs a chunk; returns its return values. Top-level statements that fail are skipped with a warning. */
  runChunk(text, file, args = []) {
    const ast = luaparse.parse(text, { luaVersion: 'LuaJIT', locations: true, encodingMode: 'pseudo-latin1', comments: false })
    const scope = new Scope(this.globals)
    scope.vars.set('...', args)
    const r = this.execBlock(ast.body, scope, file, true)
    return r && r.ret ? r.ret : []
  }

  execBlock(body, parent, file, topLevel = false) {
    const scope = new Scope(parent)
    for (const st of body) {
      let r
      if (topLevel) {
        try {
          r = this.exec(st, scope, file)
        } catch (err) {
          if (err instanceof Uncertain || err instanceof TypeError || err instanceof LuaError) {
            this.warnings.push(`${file}:${st.loc.start.line}: skipped (${err.message})`)
            continue
          }
          throw err
        }
      } else r = this.exec(st, scope, file)
      if (r) return r
    }
    return undefined
  }

  exec(st, scope, file) {
    this.step()
    switch (st.type) {
      case 'LocalStatement': {
        const values = this.evalList(st.init, scope, file)
        st.variables.forEach((v, i) => scope.vars.set(v.name, values[i]))
        return undefined
      }
      case 'AssignmentStatement': {
        const values = this.evalList(st.init, scope, file)
        st.variables.forEach((target, i) => this.assign(target, values[i], scope, file))
        return undefined
      }
      case 'CallStatement':
        this.evalMulti(st.expression, scope, file)
        return undefined
      case 'ReturnStatement':
        return { ret: this.evalList(st.arguments, scope, file) }
      case 'BreakStatement':
        return { brk: true }
      case 'DoStatement':
        return this.execBlock(st.body, scope, file)
      case 'IfStatement': {
        for (const clause of st.clauses) {
          if (clause.type === 'ElseClause' || truthy(this.eval(clause.condition, scope, file))) return this.execBlock(clause.body, scope, file)
        }
        return undefined
      }
      case 'WhileStatement': {
        while (truthy(this.eval(st.condition, scope, file))) {
          const r = this.execBlock(st.body, scope, file)
          if (r?.brk) break
          if (r) return r
        }
        return undefined
      }
      case 'RepeatStatement': {
        for (;;) {
          const inner = new Scope(scope)
          const r = this.execBlock(st.body, inner, file)
          if (r?.brk) break
          if (r) return r
          if (truthy(this.eval(st.condition, inner, file))) break
        }
        return undefined
      }
      case 'ForNumericStatement': {
        const start = this.eval(st.start, scope, file)
        const end = this.eval(st.end, scope, file)
        const stepV = st.step ? this.eval(st.step, scope, file) : 1
        if (typeof start !== 'number' || typeof end !== 'number' || typeof stepV !== 'number') throw new Uncertain('numeric for over unknown bounds')
        for (let i = start; stepV > 0 ? i <= end : i >= end; i += stepV) {
          const inner = new Scope(scope)
          inner.vars.set(st.variable.name, i)
          const r = this.execBlock(st.body, inner, file)
          if (r?.brk) break
          if (r) return r
        }
        return undefined
      }
      case 'ForGenericStatement': {
        const [f, s, init] = this.evalList(st.iterators, scope, file)
        let control = init
        for (;;) {
          this.step()
          const vals = this.call(f, [s, control], file)
          if (vals[0] === undefined) break
          control = vals[0]
          const inner = new Scope(scope)
          st.variables.forEach((v, i) => inner.vars.set(v.name, vals[i]))
          const r = this.execBlock(st.body, inner, file)
          if (r?.brk) break
          if (r) return r
        }
        return undefined
      }
      case 'FunctionDeclaration': {
        const fn = new LuaFunction(st, scope, st.identifier ? exprName(st.identifier) : 'anonymous', file)
        if (st.isLocal) scope.vars.set(st.identifier.name, fn)
        else if (st.identifier) this.assign(st.identifier, fn, scope, file)
        return undefined
      }
      case 'GotoStatement':
      case 'LabelStatement':
        throw new Uncertain('goto')
      default:
        throw new Uncertain(`statement ${st.type}`)
    }
  }

  assign(target, value, scope, file) {
    if (target.type === 'Identifier') {
      const s = scope.lookup(target.name) ?? this.globals
      s.vars.set(target.name, value)
      return
    }
    const obj = this.eval(target.base, scope, file)
    const key = target.type === 'MemberExpression' ? target.identifier.name : this.eval(target.index, scope, file)
    if (obj instanceof LuaTable) obj.set(key, value)
    else if (!(obj instanceof Opaque)) throw new TypeError(`cannot index a ${luaType(obj)} to assign`)
  }

  evalList(exprs, scope, file) {
    const out = []
    exprs.forEach((e, i) => {
      if (i === exprs.length - 1) out.push(...this.evalMulti(e, scope, file))
      else out.push(this.eval(e, scope, file))
    })
    return out
  }

  /** An expression's values (several for a call or `...`). */
  evalMulti(e, scope, file) {
    switch (e.type) {
      case 'CallExpression':
      case 'StringCallExpression':
      case 'TableCallExpression': {
        const args =
          e.type === 'CallExpression'
            ? this.evalList(e.arguments, scope, file)
            : e.type === 'StringCallExpression'
              ? [this.eval(e.argument, scope, file)]
              : [this.eval(e.arguments, scope, file)]
        if (e.base.type === 'MemberExpression' && e.base.indexer === ':') {
          const self = this.eval(e.base.base, scope, file)
          const method = this.index(self, e.base.identifier.name, exprName(e.base))
          return this.call(method, [self, ...args], file, exprName(e.base))
        }
        const fn = this.eval(e.base, scope, file)
        return this.call(fn, args, file, exprName(e.base))
      }
      case 'VarargLiteral':
        return scope.lookup('...')?.vars.get('...') ?? []
      default:
        return [this.eval(e, scope, file)]
    }
  }

  eval(e, scope, file) {
    this.step()
    switch (e.type) {
      case 'StringLiteral':
        return decodeString(e)
      case 'NumericLiteral':
        return e.value
      case 'BooleanLiteral':
        return e.value
      case 'NilLiteral':
        return undefined
      case 'Identifier': {
        const s = scope.lookup(e.name)
        if (s) return s.vars.get(e.name)
        return new Opaque(`global ${e.name}`)
      }
      case 'MemberExpression':
        return this.index(this.eval(e.base, scope, file), e.identifier.name, exprName(e))
      case 'IndexExpression':
        return this.index(this.eval(e.base, scope, file), this.eval(e.index, scope, file), exprName(e))
      case 'CallExpression':
      case 'StringCallExpression':
      case 'TableCallExpression':
      case 'VarargLiteral':
        return this.evalMulti(e, scope, file)[0]
      case 'TableConstructorExpression': {
        const t = new LuaTable()
        let n = 0
        e.fields.forEach((f, i) => {
          if (f.type === 'TableKeyString') t.set(f.key.name, this.eval(f.value, scope, file))
          else if (f.type === 'TableKey') t.set(this.eval(f.key, scope, file), this.eval(f.value, scope, file))
          else if (i === e.fields.length - 1) for (const v of this.evalMulti(f.value, scope, file)) t.set(++n, v)
          else t.set(++n, this.eval(f.value, scope, file))
        })
        return t
      }
      case 'FunctionDeclaration':
        return new LuaFunction(e, scope, 'anonymous', file)
      case 'LogicalExpression': {
        const l = this.eval(e.left, scope, file)
        if (e.operator === 'and') return truthy(l) ? this.eval(e.right, scope, file) : l
        return truthy(l) ? l : this.eval(e.right, scope, file)
      }
      case 'UnaryExpression': {
        const v = this.eval(e.argument, scope, file)
        if (e.operator === 'not') return !truthy(v)
        if (v instanceof Opaque) return new Opaque(`${e.operator}${v.desc}`)
        if (e.operator === '-') return -v
        if (e.operator === '#') {
          if (typeof v === 'string') return Buffer.byteLength(v)
          if (v instanceof LuaTable) return v.length()
        }
        throw new TypeError(`unary ${e.operator} on a ${luaType(v)}`)
      }
      case 'BinaryExpression':
        return this.binary(e.operator, this.eval(e.left, scope, file), this.eval(e.right, scope, file))
      default:
        throw new Uncertain(`expression ${e.type}`)
    }
  }

  binary(op, l, r) {
    if (op === '==') {
      if (l instanceof Opaque || r instanceof Opaque) throw new Uncertain('comparison with an unknown value')
      return l === r
    }
    if (op === '~=') return !this.binary('==', l, r)
    if (l instanceof Opaque || r instanceof Opaque) return new Opaque(`(${describe(l)} ${op} ${describe(r)})`)
    switch (op) {
      case '..':
        return tostr(l, this) + tostr(r, this)
      case '+':
        return l + r
      case '-':
        return l - r
      case '*':
        return l * r
      case '/':
        return l / r
      case '%':
        return l - Math.floor(l / r) * r
      case '^':
        return Math.pow(l, r)
      case '<':
        return l < r
      case '>':
        return l > r
      case '<=':
        return l <= r
      case '>=':
        return l >= r
      default:
        throw new Uncertain(`operator ${op}`)
    }
  }

  index(obj, key, desc) {
    if (obj instanceof Opaque) return new Opaque(desc ?? `${obj.desc}.${key}`)
    if (typeof obj === 'string') return this.globals.vars.get('string').get(key)
    if (!(obj instanceof LuaTable)) throw new TypeError(`attempt to index a ${luaType(obj)} (${desc})`)
    const v = obj.get(key)
    if (v !== undefined || !obj.meta) return v
    const ix = obj.meta.get('__index')
    if (ix instanceof LuaTable) return this.index(ix, key, desc)
    if (ix !== undefined) return this.call(ix, [obj, key])[0]
    return undefined
  }

  call(fn, args, file, desc = 'function') {
    this.step()
    if (fn instanceof Native) return fn.fn(args, this)
    if (fn instanceof Opaque) return [new Opaque(`${desc}(${args.map(describe).join(', ')})`)]
    if (fn instanceof LuaTable && fn.meta?.get('__call') !== undefined) return this.call(fn.meta.get('__call'), [fn, ...args], file, desc)
    if (!(fn instanceof LuaFunction)) throw new TypeError(`attempt to call a ${luaType(fn)} (${desc})`)
    const scope = new Scope(fn.scope)
    // `function t:m(...)` has an implicit first parameter, self.
    const params = fn.node.identifier?.indexer === ':' ? [{ type: 'Identifier', name: 'self' }, ...fn.node.parameters] : fn.node.parameters
    params.forEach((p, i) => {
      if (p.type === 'VarargLiteral') scope.vars.set('...', args.slice(i))
      else scope.vars.set(p.name, args[i])
    })
    try {
      const r = this.execBlock(fn.node.body, scope, fn.file)
      return r?.ret ?? []
    } catch (err) {
      // What a function cannot compute is unknown, not an error: its result is opaque.
      if (process.env.LUA_EVAL_DEBUG) console.error(desc, err.message)
      if (err instanceof Uncertain || err instanceof TypeError) return [new Opaque(`${desc}(${args.map(describe).join(', ')})`)]
      throw err
    }
  }
}

export class LuaError extends Error {}

function describe(v) {
  if (v instanceof Opaque) return v.desc
  if (typeof v === 'string') return JSON.stringify(v)
  if (v instanceof LuaTable) return '{...}'
  if (v instanceof LuaFunction) return `function ${v.name}`
  return String(v)
}

function exprName(e) {
  switch (e.type) {
    case 'Identifier':
      return e.name
    case 'MemberExpression':
      return `${exprName(e.base)}${e.indexer}${e.identifier.name}`
    case 'IndexExpression':
      return `${exprName(e.base)}[...]`
    case 'CallExpression':
    case 'StringCallExpression':
    case 'TableCallExpression':
      return `${exprName(e.base)}(...)`
    default:
      return e.type
  }
}

function tostr(v, interp) {
  if (typeof v === 'string') return v
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v)
  if (v instanceof LuaTable && v.meta?.get('__tostring') !== undefined) return interp.call(v.meta.get('__tostring'), [v])[0]
  if (v === undefined) return 'nil'
  return String(v)
}

/** Lua's string.format for the directives schemas use (%s, %d, %q-less). */
function format(fmt, args, interp) {
  let i = 0
  return fmt.replace(/%([-0-9.]*)([sdif%])/g, (_, _flags, d) => {
    if (d === '%') return '%'
    const v = args[i++]
    if (v instanceof Opaque) throw new Uncertain(`format of ${v.desc}`)
    if (d === 's') return tostr(v, interp)
    if (d === 'd' || d === 'i') return String(Math.trunc(v))
    return String(v)
  })
}

function native(name, fn) {
  return new Native(name, fn)
}

function installStdlib(interp) {
  const g = interp.globals.vars
  const nextOf = (t, k) => {
    const keys = [...t.map.keys()]
    const i = k === undefined ? 0 : keys.indexOf(k) + 1
    return i < keys.length ? [keys[i], t.map.get(keys[i])] : [undefined]
  }
  g.set('_G', new Opaque('_G'))
  g.set(
    'next',
    native('next', ([t, k]) => nextOf(t, k)),
  )
  g.set(
    'pairs',
    native('pairs', ([t]) => {
      if (t instanceof Opaque) throw new Uncertain(`pairs over ${t.desc}`)
      return [g.get('next'), t, undefined]
    }),
  )
  g.set(
    'ipairs',
    native('ipairs', ([t]) => {
      if (t instanceof Opaque) throw new Uncertain(`ipairs over ${t.desc}`)
      const it = native('ipairs_iter', ([tt, i]) => {
        const v = tt.get(i + 1)
        return v === undefined ? [undefined] : [i + 1, v]
      })
      return [it, t, 0]
    }),
  )
  g.set(
    'type',
    native('type', ([v]) => {
      if (v instanceof Opaque) throw new Uncertain(`type of ${v.desc}`)
      return [luaType(v)]
    }),
  )
  g.set(
    'tostring',
    native('tostring', ([v]) => (v instanceof Opaque ? [new Opaque(`tostring(${v.desc})`)] : [tostr(v, interp)])),
  )
  g.set(
    'tonumber',
    native('tonumber', ([v]) => [typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && !isNaN(Number(v)) ? Number(v) : undefined]),
  )
  g.set(
    'setmetatable',
    native('setmetatable', ([t, mt]) => {
      if (t instanceof LuaTable) t.meta = mt
      return [t]
    }),
  )
  g.set(
    'getmetatable',
    native('getmetatable', ([t]) => [t instanceof LuaTable ? t.meta : undefined]),
  )
  g.set(
    'rawget',
    native('rawget', ([t, k]) => [t.get(k)]),
  )
  g.set(
    'rawset',
    native('rawset', ([t, k, v]) => {
      t.set(k, v)
      return [t]
    }),
  )
  g.set(
    'select',
    native('select', ([n, ...rest]) => (n === '#' ? [rest.length] : rest.slice(n - 1))),
  )
  g.set(
    'unpack',
    native('unpack', ([t]) => Array.from({ length: t.length() }, (_, i) => t.get(i + 1))),
  )
  g.set(
    'assert',
    native('assert', (args) => {
      if (!truthy(args[0])) throw new LuaError(`assertion failed: ${describe(args[1])}`)
      return args
    }),
  )
  g.set(
    'error',
    native('error', ([m]) => {
      throw new LuaError(`error(${describe(m)})`)
    }),
  )
  g.set(
    'pcall',
    native('pcall', ([f, ...args]) => {
      try {
        return [true, ...interp.call(f, args)]
      } catch (err) {
        if (err instanceof LuaError || err instanceof TypeError) return [false, err.message]
        throw err
      }
    }),
  )
  g.set(
    'require',
    native('require', ([name]) => [interp.require(name)]),
  )
  g.set(
    'print',
    native('print', () => []),
  )

  const table = new LuaTable()
  table.set(
    'insert',
    native('table.insert', ([t, a, b]) => {
      if (t instanceof Opaque) return []
      if (b === undefined) t.push(a)
      else {
        for (let i = t.length(); i >= a; i--) t.set(i + 1, t.get(i))
        t.set(a, b)
      }
      return []
    }),
  )
  table.set(
    'remove',
    native('table.remove', ([t, pos]) => {
      const n = t.length()
      const at = pos ?? n
      const v = t.get(at)
      for (let i = at; i < n; i++) t.set(i, t.get(i + 1))
      t.set(n, undefined)
      return [v]
    }),
  )
  table.set(
    'concat',
    native('table.concat', ([t, sep = '']) => [Array.from({ length: t.length() }, (_, i) => tostr(t.get(i + 1), interp)).join(sep)]),
  )
  table.set(
    'sort',
    native('table.sort', ([t, cmp]) => {
      const items = Array.from({ length: t.length() }, (_, i) => t.get(i + 1))
      items.sort((a, b) => {
        if (cmp) return truthy(interp.call(cmp, [a, b])[0]) ? -1 : truthy(interp.call(cmp, [b, a])[0]) ? 1 : 0
        return a < b ? -1 : a > b ? 1 : 0
      })
      items.forEach((v, i) => t.set(i + 1, v))
      return []
    }),
  )
  table.set('unpack', g.get('unpack'))
  g.set('table', table)

  const string = new LuaTable()
  string.set(
    'format',
    native('string.format', ([fmt, ...args]) => [format(fmt, args, interp)]),
  )
  for (const [name, f] of [
    ['lower', (s) => s.toLowerCase()],
    ['upper', (s) => s.toUpperCase()],
    ['len', (s) => Buffer.byteLength(s)],
  ]) {
    string.set(
      name,
      native(`string.${name}`, ([s]) => (s instanceof Opaque ? [new Opaque(`string.${name}(${s.desc})`)] : [f(s)])),
    )
  }
  string.set(
    'rep',
    native('string.rep', ([s, n]) => [String(s).repeat(n)]),
  )
  string.set(
    'char',
    native('string.char', (codes) => (codes.some((c) => c instanceof Opaque) ? [new Opaque('string.char(...)')] : [String.fromCharCode(...codes)])),
  )
  // Pattern functions are not modelled: their results are unknown.
  for (const name of ['gsub', 'match', 'find', 'gmatch', 'sub', 'byte']) {
    string.set(
      name,
      native(`string.${name}`, ([s]) => [new Opaque(`string.${name}(${describe(s)}, ...)`)]),
    )
  }
  g.set('string', string)

  const math = new LuaTable()
  math.set('huge', Infinity)
  math.set(
    'pow',
    native('math.pow', ([a, b]) => [Math.pow(a, b)]),
  )
  math.set(
    'floor',
    native('math.floor', ([a]) => [Math.floor(a)]),
  )
  math.set(
    'ceil',
    native('math.ceil', ([a]) => [Math.ceil(a)]),
  )
  math.set(
    'max',
    native('math.max', (a) => [Math.max(...a)]),
  )
  math.set(
    'min',
    native('math.min', (a) => [Math.min(...a)]),
  )
  math.set(
    'random',
    native('math.random', () => [new Opaque('math.random()')]),
  )
  g.set('math', math)

  const ngx = new LuaTable()
  ngx.set('null', NULL)
  ngx.meta = LuaTable.from({ __index: native('ngx.__index', ([, k]) => [new Opaque(`ngx.${k}`)]) })
  g.set('ngx', ngx)
}
