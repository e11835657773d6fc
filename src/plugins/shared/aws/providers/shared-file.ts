/**
 * The shared credentials file (lua-resty-aws SharedFileCredentials):
 * AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials; the section named by
 * AWS_PROFILE (`default`), its aws_access_key_id, aws_secret_access_key and
 * aws_session_token. Read on each load (the chain caches what it gives), at
 * most 1 MiB. A missing file or profile is "not set up here".
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { AwsCredentials } from '../credentials.js'
import { readBounded } from './read-bounded.js'
import type { CredentialSource, Env } from './types.js'

const MAX_FILE = 1024 * 1024

/** The sections of an INI text: name to key/value (`#` and `;` lines are comments). */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>()
  let current: Map<string, string> | undefined
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line)
    if (header) {
      const name = header[1]!.replace(/^profile\s+/, '')
      current = sections.get(name) ?? new Map<string, string>()
      sections.set(name, current)
      continue
    }
    const eq = line.indexOf('=')
    if (current === undefined || eq < 0) continue
    current.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim())
  }
  return sections
}

export function sharedFilePath(env: Env): string {
  return env.AWS_SHARED_CREDENTIALS_FILE || join(env.HOME || homedir(), '.aws', 'credentials')
}

export function sharedFileSource(env: Env): CredentialSource {
  const path = sharedFilePath(env)
  const profile = env.AWS_PROFILE || 'default'
  return {
    name: `shared credentials file ${path} [${profile}]`,
    async load() {
      const text = await readBounded(path, MAX_FILE)
      if (text === undefined) return undefined
      const section = parseIni(text).get(profile)
      const accessKeyId = section?.get('aws_access_key_id')
      const secretAccessKey = section?.get('aws_secret_access_key')
      if (!accessKeyId || !secretAccessKey) return undefined
      const sessionToken = section?.get('aws_session_token') || undefined
      const c: AwsCredentials = sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey }
      return c
    },
  }
}
