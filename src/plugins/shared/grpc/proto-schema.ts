/**
 * The `proto` field of the grpc-web and grpc-gateway schemas: a path to a
 * `.proto` file (relative to the working directory, as Kong opens it). Kong's
 * schema takes any string and its handlers load the file on a request, so a
 * file that is missing where the config is validated (a CI job, another
 * machine) is no config problem here either: the plugin loads it when the
 * config is compiled, logs why it could not, and answers such requests with
 * Kong's 400 and that reason (loadedProto).
 */
import * as z from 'zod'
import { loadProto, ProtoError, type LoadedProto } from './proto.js'

export const protoPath = z.string()

/** The parsed file, or why it could not be read or parsed (logged once, here). */
export function loadedProto(path: string, log: { error(message: string): void }): LoadedProto | { error: string } {
  try {
    return loadProto(path)
  } catch (err) {
    if (!(err instanceof ProtoError)) throw err
    log.error(err.message)
    return { error: err.message }
  }
}
