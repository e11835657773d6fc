/**
 * google.api.http path templates → a matcher, compiled when the config is
 * compiled (Kong's parse_options_path in kong/plugins/grpc-gateway/deco.lua):
 *
 *     Template = "/" Segments [ Verb ] ;   Segment = "*" | "**" | LITERAL | Variable ;
 *     Variable = "{" FieldPath [ "=" Segments ] "}" ;   FieldPath = IDENT { "." IDENT } ;
 *
 * `{name}` takes one segment, `{name=a/*}` what its segments say (`*` one
 * segment, `**` one or more), and the variable's value is all it took.
 * Literals match themselves (Kong pastes them into its regex unescaped, so
 * a `.` there matches any character; here it is a dot).
 */

export interface PathTemplate {
  readonly regex: RegExp
  /** The field path of each variable, in capture order (`a.b` for `{a.b}`). */
  readonly vars: readonly string[]
}

// Kong's variable syntax: a name of [-_.~0-9a-zA-Z], then optionally `=` and segments.
const VARIABLE = /\{([-_.~0-9a-zA-Z]+)=?((?:(?:\*\*|\*|[-_.~0-9a-zA-Z])\/?)+)?\}/g

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Literal text with `*` and `**` segments as wildcards. */
function literal(text: string): string {
  return text
    .split(/(\*\*|\*)/)
    .map((part) => (part === '**' ? '.+' : part === '*' ? '[^/]+' : escape(part)))
    .join('')
}

export function compileTemplate(template: string): PathTemplate {
  const vars: string[] = []
  let source = '^'
  let at = 0
  for (const m of template.matchAll(VARIABLE)) {
    source += literal(template.slice(at, m.index))
    vars.push(m[1]!)
    const segments = m[2]
    source += !segments || segments === '*' ? '([^/]+)' : `(${literal(segments)})`
    at = m.index + m[0].length
  }
  source += `${literal(template.slice(at))}$`
  return { regex: new RegExp(source), vars }
}
