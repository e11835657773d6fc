/**
 * Redaction of what the admin API shows (/config, /plugins): a copy of a
 * document with every secret field (where.ts) replaced and every value from
 * the environment or a vault shown as the file wrote it.
 */
import type { PluginRegistry } from '../../plugins/registry.js'
import type { PathSegment } from '../issues.js'
import type { ConfigSource } from '../model.js'
import { isReference } from '../vault.js'
import { MIN_ECHO, REDACTED } from './redact.js'
import { CREDENTIAL_NAME, isRecord, pair, secretSpots, URL_RE, type SecretSpot } from './where.js'

/** `scheme://user:pass@host/p?token=x` → `scheme://<redacted>@host/p?token=<redacted>`. */
function redactUrl(v: string): string {
  const m = URL_RE.exec(v)
  if (!m) return REDACTED
  const query = m[4]
    ?.split('&')
    .map((part) => {
      const eq = part.indexOf('=')
      return eq > 0 && CREDENTIAL_NAME.test(part.slice(0, eq)) ? `${part.slice(0, eq + 1)}${REDACTED}` : part
    })
    .join('&')
  return `${m[1]}${m[2] !== undefined ? `${REDACTED}@` : ''}${m[3]}${query !== undefined ? `?${query}` : ''}${m[5] ?? ''}`
}

function setAt(root: unknown, path: readonly PathSegment[], value: unknown): void {
  let node = root as Record<string | number, unknown>
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>
  node[path[path.length - 1]!] = value
}

/**
 * A copy of `doc` (a config, or `{ plugins: [...] }` and the like) fit to show:
 * every value from the environment or a vault shown as the file wrote it (the
 * reference, the `${{ env }}` template), never as itself; every other secret
 * `<redacted>` (URLs keep all but their user info and credential parameters;
 * lists and maps of headers all but their credentials' values).
 */
export function redactForDisplay<T>(doc: T, registry: PluginRegistry, sources: readonly ConfigSource[]): T {
  const copy = structuredClone(doc) as T
  const written = new Map(sources.map((s) => [s.value, s.written]))
  const shownAs = new Set(written.values())
  const outside = [...written.keys()].filter((v) => v.length >= MIN_ECHO).sort((a, b) => b.length - a.length)
  const show = (v: string): string => {
    const w = written.get(v)
    if (w !== undefined) return w
    if (shownAs.has(v)) return v
    let out = v
    for (const s of outside) if (out.includes(s)) out = out.split(s).join(REDACTED)
    return out
  }
  const spotValue = (spot: SecretSpot): unknown => {
    const v = spot.value
    if (typeof v === 'string' && written.has(v)) return written.get(v)
    if (typeof v === 'string' && isReference(v)) return v
    switch (spot.kind) {
      case 'secret':
        return Array.isArray(v) ? v.map(() => REDACTED) : REDACTED
      case 'url':
        return typeof v === 'string' ? redactUrl(show(v)) : REDACTED
      case 'pairs': {
        const p = typeof v === 'string' ? pair(v) : undefined
        return p && CREDENTIAL_NAME.test(p[0]) ? `${p[0]}:${REDACTED}` : v
      }
      case 'named':
        return isRecord(v)
          ? Object.fromEntries(
              Object.entries(v).map(([k, x]) => [k, CREDENTIAL_NAME.test(k) ? (typeof x === 'string' && written.has(x) ? written.get(x) : REDACTED) : x]),
            )
          : REDACTED
    }
  }
  for (const spot of secretSpots(copy, registry)) setAt(copy, spot.path, spotValue(spot))
  // Then every string: a value from outside the file, whole or inside another string (what
  // the spots became is left as it is: `<redacted>`, a reference, a template).
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return show(node)
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) node[i] = walk(node[i])
    } else if (isRecord(node)) {
      for (const k of Object.keys(node)) node[k] = walk(node[k])
    }
    return node
  }
  return walk(copy) as T
}
