/** grpc-web (Kong PRIORITY 3): gRPC-Web and JSON clients to a gRPC service. */
import * as z from 'zod'
import { metaFields } from '../../config/schema/typedefs.js'
import { protoPath } from '../shared/grpc/proto-schema.js'

export const config = z.strictObject({
  proto: protoPath
    .optional()
    .describe('If present, describes the gRPC types and methods. Required to support payload transcoding (JSON); without it, clients must send protobuf.'),
  pass_stripped_path: z.boolean().optional().describe("Pass the route's stripped path to the upstream gRPC service."),
  allow_origin_header: z.string().default('*').describe('The value of the `Access-Control-Allow-Origin` header in the response to the gRPC-Web client.'),
  ...metaFields,
})

export type GrpcWebConfig = z.infer<typeof config>
