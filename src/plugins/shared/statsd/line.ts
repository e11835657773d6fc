/**
 * StatsD lines as Kong's statsd and datadog loggers write them
 * (kong/plugins/statsd/statsd_logger.lua, kong/plugins/datadog/statsd_logger.lua):
 * `<prefix>.<stat>:<value>|<type>[|@<rate>]`, with tags in one of four styles.
 * Written here rather than with a client library: hot-shots and its kin speak
 * DogStatsD tags only, and Kong's statsd also writes InfluxDB, Librato and
 * SignalFX tags; the line is a one-line format either way.
 */
import { formatNumber } from '../../../lua/lib/cjson-encode.js'

/** Kong's stat types and their StatsD letters (datadog adds `distribution`). */
export const STAT_TYPE_CODES = {
  gauge: 'g',
  counter: 'c',
  timer: 'ms',
  histogram: 'h',
  meter: 'm',
  set: 's',
  distribution: 'd',
} as const

export type StatType = keyof typeof STAT_TYPE_CODES

export type TagStyle = 'dogstatsd' | 'influxdb' | 'librato' | 'signalfx'

/** A value as Lua's tostring writes a number (`%.14g`), or the string itself. */
export const luaText = (v: number | string): string => (typeof v === 'number' ? formatNumber(v, 14) : v)

/**
 * The `|@rate` part: empty for no rate or a rate of 1 (Kong leaves it out),
 * computed once per metric when the config is compiled.
 */
export const rateSuffix = (rate: number | null | undefined): string => (rate == null || rate === 1 ? '' : `|@${luaText(rate)}`)

/** One tag: a name and its value as Kong's `%s` writes it. */
export type Tag = readonly [string, string | number]

/**
 * A line with tags in `style` (Kong's create_statsd_message): DogStatsD
 * `name:v|c|#k:v,...`, InfluxDB `name,k=v,...:v|c`, Librato `name#k=v,...:v|c`,
 * SignalFX `name[k=v,...]:v|c`. `head` is `<prefix>.<stat>`; `tail` is
 * `<value>|<type><rate>`.
 */
export function taggedLine(head: string, tail: string, tags: readonly Tag[], style: TagStyle): string {
  if (style === 'dogstatsd') return `${head}:${tail}|#${tags.map(([k, v]) => `${k}:${luaText(v)}`).join(',')}`
  const list = tags.map(([k, v]) => `${k}=${luaText(v)}`).join(',')
  if (style === 'influxdb') return `${head},${list}:${tail}`
  if (style === 'librato') return `${head}#${list}:${tail}`
  return `${head}[${list}]:${tail}`
}
