/** `gateway schemas`: the JSON Schema of kong.yml, generated from the zod schemas. */
import * as z from 'zod'
import { documentSchema } from '../config/schema/declarative.js'
import type { PluginRegistry } from '../plugins/registry.js'

export const SCHEMA_ID = 'https://github.com/kong-yml-gateway/gateway/schemas/kong.schema.json'

export function jsonSchema(registry: PluginRegistry): string {
  const schema = z.toJSONSchema(documentSchema(registry), { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' })
  return `${JSON.stringify({ ...schema, $id: SCHEMA_ID }, null, 2)}\n`
}
