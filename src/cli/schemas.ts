/**
 * `gateway schemas`: the JSON Schema of kong.yml, generated from the zod
 * schemas, then told what the loader accepts beyond them (json-schema/) and
 * shrunk to one definition per repeated subschema.
 */
import * as z from 'zod'
import { documentSchema } from '../config/schema/declarative.js'
import type { PluginRegistry } from '../plugins/registry.js'
import { shareDefs } from './json-schema/defs.js'
import { fileFormat } from './json-schema/file-format.js'
import { addPatterns } from './json-schema/hints.js'
import type { Json } from './json-schema/walk.js'

export const SCHEMA_ID = 'https://github.com/kong-yml-gateway/gateway/schemas/kong.schema.json'

export function jsonSchema(registry: PluginRegistry): string {
  const generated = z.toJSONSchema(documentSchema(registry), { io: 'input', target: 'draft-2020-12', unrepresentable: 'any', override: addPatterns }) as Json
  const { $schema, ...rest } = shareDefs(fileFormat(generated))
  return `${JSON.stringify({ $schema, $id: SCHEMA_ID, ...rest }, null, 2)}\n`
}
