/**
 * `--workers auto`: how many CPUs this process may use. In a container that is the cgroup CPU
 * quota (a pod's `resources.limits.cpu`), not the node's core count, so a 2-CPU pod on a
 * 64-core node starts 2 workers instead of 64 that would be throttled.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { availableParallelism } from 'node:os'

/** Reads a file, or undefined when it is absent or unreadable (no cgroup, another layout). */
function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

/**
 * The CPU quota in CPUs (quota / period, possibly fractional), or undefined without a limit.
 * cgroup v2: `<root>/cpu.max` holds "max 100000" or "200000 100000".
 * cgroup v1: `<root>/cpu/cpu.cfs_quota_us` (-1 without a limit) and `cpu.cfs_period_us`
 * (also tried at `<root>/cpu,cpuacct/` and directly under `<root>`).
 */
export function cgroupCpuQuota(root = '/sys/fs/cgroup'): number | undefined {
  const v2 = readText(join(root, 'cpu.max'))
  if (v2 !== undefined) {
    const [quota, period] = v2.trim().split(/\s+/)
    return ratio(quota, period)
  }
  for (const dir of ['cpu', 'cpu,cpuacct', '.']) {
    const quota = readText(join(root, dir, 'cpu.cfs_quota_us'))
    const period = readText(join(root, dir, 'cpu.cfs_period_us'))
    if (quota !== undefined && period !== undefined) return ratio(quota.trim(), period.trim())
  }
  return undefined
}

/** quota/period when both are positive whole numbers; "max", -1 or garbage mean no limit. */
function ratio(quota: string | undefined, period: string | undefined): number | undefined {
  if (quota === undefined || period === undefined || !/^\d+$/.test(quota) || !/^\d+$/.test(period)) return undefined
  const q = Number(quota)
  const p = Number(period)
  if (q <= 0 || p <= 0) return undefined
  return q / p
}

/** Workers for `auto`: ceil(quota) clamped to [1, cores]; the core count without a quota. */
export function autoWorkers(root = '/sys/fs/cgroup', cores = availableParallelism()): number {
  const quota = cgroupCpuQuota(root)
  if (quota === undefined) return cores
  return Math.max(1, Math.min(cores, Math.ceil(quota)))
}
