/** azure-functions (Kong PRIORITY 749): the config, as Kong's schema.lua has it (kong/plugins/azure-functions/schema.lua). */
import * as z from 'zod'
import { metaFields, referenceable } from '../../config/schema/typedefs.js'

export const config = z.strictObject({
  timeout: z.number().default(600000).describe('Milliseconds to wait for the connection to the function and for each read of its answer.'),
  keepalive: z.number().default(60000).describe('Milliseconds an idle connection to the function is kept open.'),
  https: z.boolean().default(true).describe('Call the function over https (port 443); false: plain http on port 80.'),
  https_verify: z.boolean().default(false).describe("Verify the function's certificate."),
  apikey: referenceable(z.string(), 'Sent as the x-functions-key header.').optional(),
  clientid: referenceable(z.string(), 'Sent as the x-functions-clientid header.').optional(),
  appname: z.string().describe('The Azure app name: the first label of the host.'),
  hostdomain: z.string().default('azurewebsites.net').describe('The domain the app is under: the host is <appname>.<hostdomain>.'),
  routeprefix: z.string().default('api').describe('The route prefix: the path is /<routeprefix>/<functionname>.'),
  functionname: z.string().describe('The function invoked.'),
  ...metaFields,
})

export type AzureFunctionsConfig = z.infer<typeof config>
