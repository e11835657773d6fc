/**
 * The request tags header (Kong's kong/plugins/zipkin/request_tags.lua):
 * `Zipkin-Tags: foo=bar; baz=qux` adds tags to the request span. Names have
 * no spaces, values may; spaces around both are dropped; empty items are
 * skipped; what does not parse is reported and the rest kept.
 */

const TAG = /^\s*(\S+)\s*=\s*(.*\S)\s*$/

export interface RequestTags {
  tags: Record<string, string>
  /** Kong's warning, when some items did not parse. */
  error?: string
}

/** Every value of the header (a repeated header gives several), in order. */
export function parseRequestTags(values: readonly string[]): RequestTags {
  const tags: Record<string, string> = {}
  const bad: string[] = []
  for (const value of values) {
    for (const item of value.split(';')) {
      if (item === '') continue
      const m = TAG.exec(item)
      if (m) tags[m[1]!] = m[2]!
      else bad.push(item)
    }
  }
  return bad.length ? { tags, error: `Could not parse the following Zipkin tags: ${bad.join(', ')}` } : { tags }
}
