/** The entity check statsd and datadog share on each metric (Kong's `conditional` on stat_type). */
import type * as z from 'zod'

/**
 * Counters and gauges need a sample_rate; a metric without stat_type cannot be
 * checked, in Kong's words. The name is required too: zod's enum would call a
 * missing one `expected one of: ...`, so it is optional in the shape and
 * reported missing here, as Kong does.
 */
export function sampleRateCheck(
  m: { name?: string | undefined; stat_type?: string | undefined; sample_rate?: number | undefined },
  ctx: z.core.$RefinementCtx,
): void {
  if (m.name === undefined) ctx.addIssue({ code: 'custom', path: ['name'], message: 'required field missing' })
  if (m.stat_type === undefined) ctx.addIssue({ code: 'custom', path: ['stat_type'], message: 'field required for entity check' })
  else if ((m.stat_type === 'counter' || m.stat_type === 'gauge') && m.sample_rate === undefined)
    ctx.addIssue({ code: 'custom', path: ['sample_rate'], message: 'required field missing' })
}
