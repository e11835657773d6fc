/**
 * Kong's fixed rate-limiting windows: aligned to UTC calendar boundaries
 * (kong/tools/timestamp.lua get_timestamps), with Kong's expirations
 * (kong/plugins/rate-limiting/expiration.lua; a month counts 30 days there),
 * and the validation of the limits set per period.
 */
import * as z from 'zod'

export const PERIODS = ['second', 'minute', 'hour', 'day', 'month', 'year'] as const
export type Period = (typeof PERIODS)[number]

/** Seconds a counter lives, and the window length used for RateLimit-Reset. */
export const EXPIRATION: Readonly<Record<Period, number>> = {
  second: 1,
  minute: 60,
  hour: 3600,
  day: 86400,
  month: 2592000,
  year: 31536000,
}

/** Capitalized, as in X-RateLimit-Limit-Minute. */
export const PERIOD_TITLE: Readonly<Record<Period, string>> = {
  second: 'Second',
  minute: 'Minute',
  hour: 'Hour',
  day: 'Day',
  month: 'Month',
  year: 'Year',
}

/** The start (epoch ms, UTC) of the window of `period` that holds `nowMs`. */
export function windowStart(period: Period, nowMs: number): number {
  switch (period) {
    case 'second':
      return nowMs - (nowMs % 1000)
    case 'minute':
      return nowMs - (nowMs % 60_000)
    case 'hour':
      return nowMs - (nowMs % 3_600_000)
    case 'day':
      return nowMs - (nowMs % 86_400_000)
    case 'month': {
      const d = new Date(nowMs)
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
    }
    case 'year':
      return Date.UTC(new Date(nowMs).getUTCFullYear(), 0, 1)
  }
}

/** Kong's `gt = 0` number: a period's limit (and rate-limiting's error_code). */
export const positive = z.number().gt(0, { error: 'value must be greater than 0' })

/** Kong's `%.1f` in the period-order message. */
const oneDecimal = (v: number) => v.toFixed(1)

/**
 * Kong's check that a longer period never has a lower limit; returns the message
 * of the first violation (`capital` picks rate-limiting's "The" over
 * response-ratelimiting's "the").
 */
export function periodOrderError(limits: Partial<Record<Period, number>>, capital: boolean): string | undefined {
  for (let i = 0; i < PERIODS.length; i++) {
    const lower = PERIODS[i]!
    const v1 = limits[lower]
    if (typeof v1 !== 'number') continue
    for (let j = i + 1; j < PERIODS.length; j++) {
      const upper = PERIODS[j]!
      const v2 = limits[upper]
      if (typeof v2 === 'number' && v2 < v1) {
        return `${capital ? 'The' : 'the'} limit for ${upper}(${oneDecimal(v2)}) cannot be lower than the limit for ${lower}(${oneDecimal(v1)})`
      }
    }
  }
  return undefined
}

export const EMPTY_UUID = '00000000-0000-0000-0000-000000000000'
