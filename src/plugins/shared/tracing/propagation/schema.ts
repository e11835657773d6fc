/**
 * Kong's `propagation` record (kong/observability/tracing/propagation/schema.lua,
 * typedefs.propagation) and the reading of the legacy `header_type` /
 * `default_header_type` parameters into it (Kong's get_plugin_params), done
 * once when a plugin instance is created.
 */
import * as z from 'zod'
import { headerName, oneOf } from '../../../../config/schema/typedefs.js'
import { EXTRACT_FORMATS, FORMATS, type ExtractFormat, type Format } from './ids.js'

const nullableArray = <T extends z.ZodType>(el: T) => z.array(el).nullable().optional()

/**
 * The `propagation` record with the plugin's default format (zipkin: b3,
 * opentelemetry: w3c). `default_format` is required when the record is given.
 */
export const propagationSchema = (defaultFormat: Format) =>
  z
    .strictObject({
      extract: nullableArray(oneOf(EXTRACT_FORMATS)).describe(
        'Header formats the tracing context is read from, tried in this order (the first found is used); empty: none is read, every trace starts here.',
      ),
      clear: nullableArray(headerName).describe('Headers removed from the upstream request after extraction.'),
      inject: nullableArray(oneOf(['preserve', ...FORMATS])).describe(
        'Header formats the tracing context is sent upstream in, all of them; `preserve`: the format it came in. Empty: none is sent.',
      ),
      default_format: oneOf(FORMATS).describe('The format `preserve` uses when no context was extracted.'),
    })
    .prefault({ default_format: defaultFormat })
    .describe('How the tracing context is read from requests and sent upstream.')

export type PropagationConfig = z.output<ReturnType<typeof propagationSchema>>

/** The legacy `header_type` values (deprecated by Kong for `propagation`). */
export const HEADER_TYPES = ['preserve', 'ignore', ...FORMATS] as const
export type HeaderType = (typeof HEADER_TYPES)[number]

/** What propagation does for one plugin instance, resolved at config time. */
export interface Propagation {
  /** Formats tried in order; undefined: nothing is extracted. */
  readonly extract?: readonly ExtractFormat[] | undefined
  /** Formats injected, in order; `preserve` stands for the format extracted. Undefined: nothing is injected. */
  readonly inject?: readonly (Format | 'preserve')[] | undefined
  /** Headers cleared before injection. */
  readonly clear?: readonly string[] | undefined
  /** What `preserve` injects when nothing was extracted (w3c when unset). */
  readonly defaultFormat?: Format | undefined
}

// The order the old propagation module tried formats in, before `extract` existed.
const LEGACY_ORDER: readonly ExtractFormat[] = ['b3', 'w3c', 'jaeger', 'ot', 'datadog', 'aws', 'gcp', 'instana']

/** A plugin config's propagation parts: the record, and the legacy parameters where the plugin has them. */
export interface PropagationParams {
  readonly propagation?: Partial<PropagationConfig> | null | undefined
  readonly header_type?: HeaderType | null | undefined
  readonly default_header_type?: Format | null | undefined
}

/**
 * Kong's get_plugin_params: when any of `extract`, `inject` or `clear` is
 * set, the record is used as it is; otherwise the legacy parameters decide
 * (`default_header_type` becomes the default format; `header_type`: `preserve`
 * extracts every format in the old order and injects the one found, `ignore`
 * extracts nothing and injects the default format, a format extracts every
 * format and injects both the one found and itself).
 */
export function resolvePropagation(conf: PropagationParams): Propagation {
  const p = conf.propagation ?? {}
  if (p.extract != null || p.inject != null || p.clear != null) {
    return { extract: p.extract ?? undefined, inject: p.inject ?? undefined, clear: p.clear ?? undefined, defaultFormat: p.default_format }
  }
  const defaultFormat = conf.default_header_type ?? p.default_format
  const ht = conf.header_type
  if (ht == null) return { defaultFormat }
  if (ht === 'preserve') return { extract: LEGACY_ORDER, inject: ['preserve'], defaultFormat }
  if (ht === 'ignore') return { inject: defaultFormat === undefined ? [] : [defaultFormat], defaultFormat }
  return { extract: LEGACY_ORDER, inject: ['preserve', ht], defaultFormat }
}
