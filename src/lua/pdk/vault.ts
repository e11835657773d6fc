/**
 * kong.vault: `get`, `is_reference` and `parse_reference` over Kong's
 * `{vault://...}` references. The resolving belongs to the config layer
 * (config/vault.ts), which this layer may not import: a plugin module installs
 * it (plugins/shared/lua-vault.ts) before any Lua runs.
 */
import { LuaError } from '../core/errors.js'
import { LuaTable, fromText, toText, type LuaValue } from '../core/value.js'
import { library } from './table.js'

export interface LuaVaultHook {
  get(ref: string): { ok: true; value: string } | { ok: false; error: string }
  parse(ref: string): { vault: string; resource: string; key?: string; version?: number } | string
}

let hook: LuaVaultHook | undefined

export function setLuaVault(h: LuaVaultHook): void {
  hook = h
}

const REF_RE = /^\{vault:\/\/.*\}$/s

/**
 * Values kong.vault.get has handed out, as Lua byte strings: what a snippet
 * logs or raises is redacted of them (`redactVaultValues`), so a secret read
 * through the vault never reaches the log as the config's own secrets never
 * do. Bounded: only as many as the environment holds distinct values.
 */
const revealed = new Set<string>()
/** Shorter values would eat ordinary words of a message (as config/secrets/redact.ts's MIN_ECHO). */
const MIN_REDACTED = 4
export const VAULT_REDACTED = '<redacted>'

/** `msg` with every value kong.vault.get returned replaced by `<redacted>`. */
export function redactVaultValues(msg: string): string {
  if (revealed.size === 0) return msg
  let out = msg
  for (const v of revealed) if (out.includes(v)) out = out.split(v).join(VAULT_REDACTED)
  return out
}

function refArg(v: LuaValue): string {
  if (typeof v !== 'string') throw new LuaError('reference must be a string')
  return toText(v)
}

export const vault = library(
  'kong.vault',
  { is_reference: (ref) => typeof ref === 'string' && REF_RE.test(ref) },
  {
    get: (ref) => {
      const r = refArg(ref)
      if (!REF_RE.test(r)) return [undefined, fromText(`not a reference: ${r}`)]
      if (hook === undefined) return [undefined, 'vaults are not available here']
      const res = hook.get(r)
      if (!res.ok) return [undefined, fromText(res.error)]
      const value = fromText(res.value)
      if (value.length >= MIN_REDACTED) {
        // Both spellings: Lua's byte string, and the text a log line is made of.
        revealed.add(value)
        revealed.add(res.value)
      }
      return [value]
    },
    parse_reference: (ref) => {
      const r = refArg(ref)
      if (!REF_RE.test(r) || hook === undefined) return [undefined, fromText(`not a reference: ${r}`)]
      const p = hook.parse(r)
      if (typeof p === 'string') return [undefined, fromText(p)]
      const t = new LuaTable()
      t.setStr('name', fromText(p.vault))
      t.setStr('resource', fromText(p.resource))
      if (p.key !== undefined) t.setStr('key', fromText(p.key))
      if (p.version !== undefined) t.setStr('version', p.version)
      return [t]
    },
  },
)
