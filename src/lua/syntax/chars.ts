/**
 * The byte classes LuaJIT's lexer and number scanner test (lj_char.h), over the
 * UTF-8 bytes of the source: every byte from 0x80 up is an identifier byte, so a
 * non-ASCII name lexes as LuaJIT lexes it.
 */

export const isDigit = (c: number): boolean => c >= 48 && c <= 57
export const isXDigit = (c: number): boolean => isDigit(c) || ((c | 0x20) >= 97 && (c | 0x20) <= 102)
export const isIdent = (c: number): boolean => isDigit(c) || ((c | 0x20) >= 97 && (c | 0x20) <= 122) || c === 95 || c >= 128
export const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13)
export const isEol = (c: number): boolean => c === 10 || c === 13
