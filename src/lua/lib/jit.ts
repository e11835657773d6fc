/**
 * The `jit` table: only the identity fields Kong's sandbox exposes (os, arch,
 * version, version_num); there is no JIT to turn on or off here, so
 * jit.on/off/flush/opt/status are absent, as they are inside Kong's sandbox.
 *
 * The version is Debian's LuaJIT 2.1.0-beta3, the build the differential
 * corpus is recorded from and whose semantics this runtime follows (Kong's
 * OpenResty build reports a rolling 2.1 version; snippets compare
 * version_num >= 20100 or read the "LuaJIT" prefix, which both satisfy).
 * os and arch name the host as LuaJIT names its targets.
 */
import type { LuaTable } from '../core/value.js'
import { libTable } from './args.js'

const OS: Record<string, string> = { linux: 'Linux', darwin: 'OSX', win32: 'Windows', freebsd: 'BSD', openbsd: 'BSD', netbsd: 'BSD' }
const ARCH: Record<string, string> = { x64: 'x64', arm64: 'arm64', ia32: 'x86', arm: 'arm', ppc: 'ppc', mips: 'mips' }

export function jitLib(): LuaTable {
  return libTable('jit', {
    os: OS[process.platform] ?? 'Other',
    arch: ARCH[process.arch] ?? process.arch,
    version: 'LuaJIT 2.1.0-beta3',
    version_num: 20100,
  })
}
