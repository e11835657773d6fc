/** `--workers auto` reads the cgroup CPU quota (v2 cpu.max, v1 cfs quota/period) from fixture trees. */
import t from 'tap'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { autoWorkers, cgroupCpuQuota } from '../../src/cli/cpu-limit.js'

function tree(t: { testdir: () => string }, files: Record<string, string>): string {
  const root = t.testdir()
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  return root
}

t.test('cgroup v2 cpu.max', async (t) => {
  t.equal(cgroupCpuQuota(tree(t, { 'cpu.max': '200000 100000\n' })), 2)
  t.equal(autoWorkers(tree(t, { 'cpu.max': '150000 100000\n' }), 16), 2, '1.5 CPUs round up to 2 workers')
  t.equal(autoWorkers(tree(t, { 'cpu.max': '50000 100000\n' }), 16), 1, 'half a CPU still gets one worker')
  t.equal(autoWorkers(tree(t, { 'cpu.max': '800000 100000\n' }), 4), 4, 'never more workers than cores')
  t.equal(cgroupCpuQuota(tree(t, { 'cpu.max': 'max 100000\n' })), undefined, 'max means no limit')
  t.equal(autoWorkers(tree(t, { 'cpu.max': 'max 100000\n' }), 6), 6, 'no limit: the core count')
  t.equal(autoWorkers(tree(t, { 'cpu.max': 'garbage\n' }), 3), 3, 'unreadable content: the core count')
})

t.test('cgroup v1 cfs quota and period', async (t) => {
  const v1 = tree(t, { 'cpu/cpu.cfs_quota_us': '300000\n', 'cpu/cpu.cfs_period_us': '100000\n' })
  t.equal(cgroupCpuQuota(v1), 3)
  t.equal(autoWorkers(v1, 8), 3)
  const combined = tree(t, { 'cpu,cpuacct/cpu.cfs_quota_us': '250000\n', 'cpu,cpuacct/cpu.cfs_period_us': '100000\n' })
  t.equal(autoWorkers(combined, 8), 3, 'the cpu,cpuacct mount; 2.5 rounds up')
  const unlimited = tree(t, { 'cpu/cpu.cfs_quota_us': '-1\n', 'cpu/cpu.cfs_period_us': '100000\n' })
  t.equal(cgroupCpuQuota(unlimited), undefined, '-1 means no limit')
  t.equal(autoWorkers(unlimited, 5), 5)
})

t.test('no cgroup files: the core count', async (t) => {
  t.equal(cgroupCpuQuota(t.testdir()), undefined)
  t.equal(autoWorkers(t.testdir(), 7), 7)
})
