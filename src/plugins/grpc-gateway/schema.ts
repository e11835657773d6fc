/** grpc-gateway (Kong PRIORITY 998): REST clients to a gRPC service, through the .proto's google.api.http bindings. */
import * as z from 'zod'
import { metaFields } from '../../config/schema/typedefs.js'
import { protoPath } from '../shared/grpc/proto-schema.js'

export const config = z.strictObject({
  proto: protoPath.optional().describe('Describes the gRPC types and methods.'),
  ...metaFields,
})

export type GrpcGatewayConfig = z.infer<typeof config>
