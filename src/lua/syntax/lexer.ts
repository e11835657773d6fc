/**
 * The tokens of a chunk as LuaJIT reads them: a port of its lexer (lj_lex.c)
 * over the UTF-8 bytes, with the line each token ends on and the text LuaJIT
 * shows after `near`. luaparse's own lexer cannot stand in for it: luaparse
 * reads a token ahead, so its lexical errors come a token early, and its number,
 * escape and long-bracket rules are not LuaJIT's. A lexical error ends the
 * token list where LuaJIT's parser would meet it; a chunk that is bytecode is
 * answered as LuaJIT's loader answers it.
 */
import { isDigit, isEol, isIdent, isSpace, isXDigit } from './chars.js'
import { validNumber } from './number.js'
import type { Found, Tok } from './tokens.js'

/** Thrown to leave the scan at a lexical error; anything else thrown is a bug and goes on up. */
class LexFail {
  constructor(readonly found: Found) {}
}

const KEYWORDS = new Set('and break do else elseif end false for function goto if in local nil not or repeat return then true until while'.split(' '))
/** Single-byte tokens the grammar uses; any other stray byte is a token nothing accepts. */
const SINGLE = new Set('+-*/%^#(){}[];,.<>=:'.split(''))

export interface Lexed {
  toks: Tok[]
  /** A lexical error while reading token `at` (toks has `at` tokens). */
  error?: { at: number; found: Found }
  /** Bytecode instead of source: LuaJIT's loader answers without a location. */
  bytecode?: string
}

export function lex(src: Uint8Array): Lexed {
  const n = src.length
  let pos = 0
  let c = n > 0 ? src[0]! : -1
  let line = 1
  // the text of the token being read, as LuaJIT's lexer keeps it (for messages)
  let sb = Buffer.alloc(256)
  let sbLen = 0
  let word = ''
  const next = (): number => (c = ++pos < n ? src[pos]! : -1)
  /** The current character, read through a call so narrowing does not survive next(). */
  const cur = (): number => c
  const save = (ch: number): void => {
    if (sbLen === sb.length) {
      const grown = Buffer.alloc(sb.length * 2)
      grown.set(sb)
      sb = grown
    }
    sb[sbLen++] = ch & 0xff
  }
  const sbText = (): string => {
    const nul = sb.subarray(0, sbLen).indexOf(0)
    return sb.toString('utf8', 0, nul < 0 ? sbLen : nul)
  }
  const saveNext = (): number => (save(c), next())
  const newline = (): void => {
    const old = c
    next()
    if (isEol(c) && c !== old) next()
    line++
  }
  const fail = (near: string | undefined, message: string): never => {
    throw new LexFail({ line, message, near })
  }
  const escFail = (): never => fail(sbText(), 'invalid escape sequence')

  const skipEq = (): number => {
    let count = 0
    const s = c
    while (saveNext() === 61 && count < 0x20000000) count++
    return c === s ? count : -count - 1
  }

  const longString = (isString: boolean, sep: number): void => {
    saveNext()
    if (isEol(c)) newline()
    for (;;) {
      if (c === -1) fail('<eof>', isString ? 'unfinished long string' : 'unfinished long comment')
      else if (c === 93) {
        if (skipEq() === sep) {
          saveNext()
          return
        }
      } else if (isEol(c)) {
        save(10)
        newline()
        if (!isString) sbLen = 0
      } else saveNext()
    }
  }

  const number = (): void => {
    let xp = 101
    let prev = c
    if (c === 48 && (saveNext() | 0x20) === 120) xp = 112
    while (isIdent(c) || c === 46 || ((c === 45 || c === 43) && (prev | 0x20) === xp)) {
      prev = c
      saveNext()
    }
    if (!validNumber(sb.subarray(0, sbLen))) fail(sbText(), 'malformed number')
  }

  const string = (): void => {
    const delim = c
    saveNext()
    while (c !== delim) {
      if (c === -1) fail('<eof>', 'unfinished string')
      if (isEol(c)) fail(sbText(), 'unfinished string')
      if (c !== 92) {
        saveNext()
        continue
      }
      let ch = next()
      switch (ch) {
        case 97:
          ch = 7
          break
        case 98:
          ch = 8
          break
        case 102:
          ch = 12
          break
        case 110:
          ch = 10
          break
        case 114:
          ch = 13
          break
        case 116:
          ch = 9
          break
        case 118:
          ch = 11
          break
        case 120: // \xXX
          ch = (next() & 15) << 4
          if (!isDigit(c)) {
            if (!isXDigit(c)) escFail()
            ch += 9 << 4
          }
          ch += next() & 15
          if (!isDigit(c)) {
            if (!isXDigit(c)) escFail()
            ch += 9
          }
          break
        case 117: // \u{XXX}
          if (next() !== 123) escFail()
          next()
          ch = 0
          do {
            ch = (ch << 4) | (c & 15)
            if (!isDigit(c)) {
              if (!isXDigit(c)) escFail()
              ch += 9
            }
            if (ch >= 0x110000) escFail()
          } while (next() !== 125)
          if (ch < 0x800) {
            if (ch < 0x80) break
            save(0xc0 | (ch >> 6))
          } else {
            if (ch >= 0x10000) {
              save(0xf0 | (ch >> 18))
              save(0x80 | ((ch >> 12) & 0x3f))
            } else {
              if (ch >= 0xd800 && ch < 0xe000) escFail()
              save(0xe0 | (ch >> 12))
            }
            save(0x80 | ((ch >> 6) & 0x3f))
          }
          ch = 0x80 | (ch & 0x3f)
          break
        case 122: // \z
          next()
          while (isSpace(c)) {
            if (isEol(c)) newline()
            else next()
          }
          continue
        case 10:
        case 13:
          save(10)
          newline()
          continue
        case 92:
        case 34:
        case 39:
          break
        case -1:
          continue
        default:
          if (!isDigit(ch)) escFail()
          ch -= 48
          if (isDigit(next())) {
            ch = ch * 10 + (c - 48)
            if (isDigit(next())) {
              ch = ch * 10 + (c - 48)
              if (ch > 255) escFail()
              next()
            }
          }
          save(ch)
          continue
      }
      save(ch)
      next()
    }
    saveNext()
  }

  const two = (second: number, one: string, both: string): string => {
    next()
    if (c !== second) return one
    next()
    return both
  }

  const scan = (): string => {
    sbLen = 0
    for (;;) {
      if (isIdent(c)) {
        if (isDigit(c)) {
          number()
          return 'number'
        }
        do saveNext()
        while (isIdent(c))
        word = sbText()
        return KEYWORDS.has(word) ? word : 'name'
      }
      switch (c) {
        case 10:
        case 13:
          newline()
          continue
        case 32:
        case 9:
        case 11:
        case 12:
          next()
          continue
        case 45: // - or a comment
          if (next() !== 45) return '-'
          if (next() === 91) {
            const sep = skipEq()
            sbLen = 0
            if (sep >= 0) {
              longString(false, sep)
              sbLen = 0
              continue
            }
          }
          while (!isEol(cur()) && cur() !== -1) next()
          continue
        case 91: {
          const sep = skipEq()
          if (sep >= 0) {
            longString(true, sep)
            return 'string'
          }
          if (sep === -1) return '['
          return fail(sbText(), 'invalid long string delimiter')
        }
        case 61:
          return two(61, '=', '==')
        case 60:
          return two(61, '<', '<=')
        case 62:
          return two(61, '>', '>=')
        case 126:
          return two(61, '~', '~=')
        case 58:
          return two(58, ':', '::')
        case 34:
        case 39:
          string()
          return 'string'
        case 46:
          if (saveNext() === 46) {
            next()
            if (c !== 46) return '..'
            next()
            return '...'
          }
          if (!isDigit(c)) return '.'
          number()
          return 'number'
        case -1:
          return 'eof'
        default: {
          const ch = c
          next()
          return String.fromCharCode(ch)
        }
      }
    }
  }

  // lj_lex_setup: a UTF-8 BOM and a first line starting with '#' are skipped.
  let header = false
  if (c === 0xef && n >= 3 && src[1] === 0xbb && src[2] === 0xbf) {
    pos = 2
    next()
    header = true
  }
  if (c === 35) {
    do if (next() === -1) return { toks: [{ t: 'eof', line, text: '<eof>' }] }
    while (!isEol(c))
    newline()
    header = true
  }
  if (c === 0x1b) return { toks: [], bytecode: header ? 'cannot load malformed bytecode' : '(binary): cannot load incompatible bytecode' }

  const toks: Tok[] = []
  try {
    for (;;) {
      let t = scan()
      let text = t
      if (t === 'name') text = word
      else if (t === 'number' || t === 'string') text = sbText()
      else if (t === 'eof') text = '<eof>'
      else if (t.length === 1 && !SINGLE.has(t)) {
        const code = t.charCodeAt(0)
        text = code < 32 || code === 127 ? `char(${code})` : t
        t = code === 0 ? 'nul' : 'char'
      }
      toks.push({ t, line, text })
      if (t === 'eof') return { toks }
    }
  } catch (e) {
    if (e instanceof LexFail) return { toks, error: { at: toks.length, found: e.found } }
    throw e
  }
}
