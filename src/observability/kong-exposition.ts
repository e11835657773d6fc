/**
 * The plugin metrics (kong_*) as Kong's Prometheus library prints them, from
 * prom-client's text: Kong prints a metric's HELP and TYPE only when it has a
 * sample (its scrape iterates stored series, not registered metrics), and a
 * histogram bucket's `le` label comes last. Applied at scrape time to text,
 * so the summed text of --workers gets the same treatment as one process's.
 * mergeExpositions joins the workers' sum and the primary's own series.
 */

/** Kong's series that exist only while a prometheus plugin is configured (the rest are node-wide gauges). */
const PLUGIN_ONLY =
  /^kong_(http_requests_total|stream_sessions_total|kong_latency_ms|upstream_latency_ms|request_latency_ms|session_duration_ms|bandwidth_bytes|nginx_metric_errors_total)$/

// prom-client writes `le` first; Kong's bucket lines end with it.
const BUCKET = /^([A-Za-z_:][\w:]*_bucket)\{(le="[^"]*"),(.+)\}( .*)$/

/**
 * Kong's text for prom-client's: metrics without samples dropped, `le` last.
 * With `pluginEnabled` false (no prometheus plugin in the running config),
 * only the node-wide gauges are shown, as Kong does once the plugin is
 * disabled or removed (the counts are kept and come back with the plugin).
 */
export function kongExposition(text: string, pluginEnabled: boolean): string {
  const out: string[] = []
  for (const block of text.split('\n\n')) {
    const lines = block.split('\n').filter((l) => l !== '')
    const samples = lines.filter((l) => !l.startsWith('#'))
    if (samples.length === 0) continue
    const name = /^# HELP (\S+)/.exec(lines[0] ?? '')?.[1]
    if (!pluginEnabled && name !== undefined && PLUGIN_ONLY.test(name)) continue
    for (const l of lines) {
      const m = l.startsWith('#') ? null : BUCKET.exec(l)
      out.push(m ? `${m[1]}{${m[3]},${m[2]}}${m[4]}` : l)
    }
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`
}

/**
 * Two prom-client texts as one: a family in both keeps its HELP and TYPE once,
 * with the second text's samples after the first's (a scrape that repeats a
 * family is refused by Prometheus). The label sets must not overlap.
 */
export function mergeExpositions(a: string, b: string): string {
  const families = new Map<string, string[]>()
  for (const text of [a, b]) {
    for (const block of text.split('\n\n')) {
      const lines = block.split('\n').filter((l) => l !== '')
      if (lines.length === 0) continue
      const name = /^# HELP (\S+)/.exec(lines[0]!)?.[1] ?? lines[0]!
      const held = families.get(name)
      if (held) held.push(...lines.filter((l) => !l.startsWith('#')))
      else families.set(name, lines)
    }
  }
  return families.size === 0 ? '' : `${[...families.values()].map((l) => l.join('\n')).join('\n\n')}\n`
}
