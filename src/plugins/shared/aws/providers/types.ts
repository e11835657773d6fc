/**
 * What a link of the credential chain (chain.ts) is: a named source that
 * answers credentials, `undefined` when it is not set up here (its variables
 * unset, no file), or throws when it is set up and failed. Its errors name
 * what failed (a status, a file, a code), never a key, token or secret.
 */
import type { AwsCredentials } from '../credentials.js'

export interface CredentialSource {
  /** Named in the chain's error when nothing had credentials. */
  readonly name: string
  load(): Promise<AwsCredentials | undefined>
}

/** The environment a source reads: the process's, or a test's own. */
export type Env = Readonly<Record<string, string | undefined>>

/** A source's failure: a message fit for a log (no secret in it). */
export class SourceFailed extends Error {}

/** A Date from AWS's ISO expiration, or undefined when absent or unreadable. */
export function expirationOf(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined
  const d = new Date(value)
  return Number.isNaN(d.getTime()) ? undefined : d
}
