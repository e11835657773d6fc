/**
 * The `proto` field of the grpc-web and grpc-gateway schemas: a path to a
 * `.proto` file (relative to the working directory, as Kong opens it) that
 * must load, so a missing or broken file is a config problem at
 * `config.proto`, reported with the others, not a failure at the first request.
 */
import * as z from 'zod'
import { loadProto, ProtoError } from './proto.js'

export const protoPath = z.string().superRefine((path, ctx) => {
  try {
    loadProto(path)
  } catch (err) {
    if (!(err instanceof ProtoError)) throw err
    ctx.addIssue({ code: 'custom', message: err.message })
  }
})
