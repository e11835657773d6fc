/**
 * HTTP dates as nginx parses them (`ngx.parse_http_time`): RFC 1123
 * (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`)
 * and asctime (`Sun Nov  6 08:49:37 1994`). Month names are case-sensitive.
 */
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

// Named groups so that the three layouts share one reader.
const FORMATS = [
  /^[A-Za-z]+, (?<day>\d{1,2}) (?<mon>[A-Z][a-z]{2}) (?<year>\d{4}) (?<h>\d{2}):(?<m>\d{2}):(?<s>\d{2})(?: GMT)?\s*$/,
  /^[A-Za-z]+, (?<day>\d{2})-(?<mon>[A-Z][a-z]{2})-(?<yy>\d{2}) (?<h>\d{2}):(?<m>\d{2}):(?<s>\d{2})(?: GMT)?\s*$/,
  /^[A-Za-z]+ (?<mon>[A-Z][a-z]{2}) (?<day> \d|\d{2}) (?<h>\d{2}):(?<m>\d{2}):(?<s>\d{2}) (?<year>\d{4})\s*$/,
]

/** Seconds since the epoch, or undefined when the text is not an HTTP date. */
export function parseHttpDate(text: string): number | undefined {
  let g: Record<string, string> | undefined
  for (const re of FORMATS) if ((g = re.exec(text)?.groups)) break
  if (!g) return undefined
  const yy = g.yy !== undefined ? Number(g.yy) : undefined
  const year = yy === undefined ? Number(g.year) : yy < 70 ? 2000 + yy : 1900 + yy
  const month = MONTHS.indexOf(g.mon!)
  const [day, h, m, s] = [Number(g.day!.trim()), Number(g.h), Number(g.m), Number(g.s)]
  if (month === -1 || day < 1 || h > 23 || m > 59 || s > 59 || year < 1970) return undefined
  const ms = Date.UTC(year, month, day, h, m, s)
  // Date.UTC rolls 31 Feb over into March; nginx refuses such a day.
  if (new Date(ms).getUTCDate() !== day) return undefined
  return ms / 1000
}
