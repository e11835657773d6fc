/** The type of a rate limit's count, shared by both rate-limiting plugins' schemas (Kong: number, gt 0). */
import * as z from 'zod'

export const positive = z.number().gt(0, { error: 'value must be greater than 0' })
