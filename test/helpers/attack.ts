// What an attack does to the gateway's process, measured from the outside of
// the attack: the longest event-loop stall seen while a bystander client keeps
// using a plain route, and the heap that stays once the attack is over. The
// gateway runs in the test's process (test/helpers/gateway.ts), so the event
// loop and the heap measured here are the gateway's.
//
// A round sends `n` requests one after another while the bystander sends its
// own. Stalls are measured twice:
// - perf_hooks.monitorEventLoopDelay's max: the wall-clock gap, which also
//   holds whatever the machine's other processes took (on a machine running
//   several suites at once, a 1 ms request has shown 240 ms gaps);
// - what the gateway's own work held the loop, which is what a runaway
//   snippet can add and what the tests assert on: for each gap, the smaller
//   of (the gap less the time this thread waited in the run queue for a CPU,
//   from Linux's /proc/thread-self/schedstat) and (the CPU time the whole
//   process used meanwhile, process.cpuUsage). Both bound the time the loop
//   was busy with the gateway's own work, the first when other processes
//   kept this thread waiting, the second when it was blocked on this
//   process's helper threads (garbage collection) that were kept waiting.
//   Where schedstat is missing, only the second applies.
// `underAttack` runs a baseline round first (the same requests to a harmless
// route), then the attack round.
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks'
import { readFileSync } from 'node:fs'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { fetchRaw, type Reply } from './gateway.js'

// A full collection before each heap reading: what is left is what the attack kept alive.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

export interface Round {
  replies: Reply[]
  /** Statuses the bystander got, in order. */
  bystander: number[]
  /** The longest gap between event-loop turns, wall clock (monitorEventLoopDelay's max), in ms. */
  wallStallMs: number
  /** The longest gap of the gateway's own work (the smaller of: less run-queue waits, process CPU time), in ms. */
  stallMs: number
  /** The longest garbage-collection pause meanwhile, in ms (for the report: V8 cannot be stopped in one). */
  gcMs: number
}

export interface AttackReport extends Round {
  /** The baseline round's `stallMs` and `wallStallMs` (the same requests to a harmless route). */
  baselineStallMs: number
  baselineWallStallMs: number
  /** Heap (JS heap plus external memory) after the attack minus before it, both after a full collection. */
  heapGrowth: number
  /** Resident set size after minus before. */
  rssGrowth: number
}

/** Sampling interval of both measures (ms): fine enough to see a 50 ms stall clearly. */
const RESOLUTION_MS = 5

/** Nanoseconds this thread has waited in the run queue, or 0 where Linux's schedstat is not there. */
function waited(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[1])
  } catch {
    return 0
  }
}

/** CPU time the process has used (all threads), in ms. */
function cpuMs(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

/** Samples the event loop every RESOLUTION_MS until stopped; the longest gap of the gateway's own (see above). */
function ownStalls(): { stop(): number } {
  let max = 0
  let last = performance.now()
  let lastWait = waited()
  let lastCpu = cpuMs()
  const sample = () => {
    const now = performance.now()
    const wait = waited()
    const cpu = cpuMs()
    max = Math.max(max, Math.min(now - last - (wait - lastWait) / 1e6, cpu - lastCpu))
    last = now
    lastWait = wait
    lastCpu = cpu
  }
  const timer = setInterval(sample, RESOLUTION_MS)
  return {
    stop() {
      clearInterval(timer)
      sample()
      return max
    },
  }
}

export async function round(send: () => Promise<Reply>, n: number, plainUrl: string): Promise<Round> {
  const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
  const bystander: number[] = []
  let done = false
  let gcMs = 0
  const gcs = new PerformanceObserver((l) => {
    for (const e of l.getEntries()) gcMs = Math.max(gcMs, e.duration)
  })
  gcs.observe({ entryTypes: ['gc'] })
  h.enable()
  const own = ownStalls()
  const other = (async () => {
    while (!done) bystander.push((await fetchRaw(plainUrl)).status)
  })()
  const replies: Reply[] = []
  let stallMs: number
  try {
    for (let i = 0; i < n; i++) replies.push(await send())
  } finally {
    done = true
    await other
    stallMs = own.stop()
    h.disable()
    gcs.disconnect()
  }
  return { replies, bystander, wallStallMs: h.max / 1e6, stallMs, gcMs }
}

export function heap(): { heap: number; rss: number } {
  gc()
  const m = process.memoryUsage()
  return { heap: m.heapUsed + m.external, rss: m.rss }
}

export async function underAttack(opts: { attack: () => Promise<Reply>; baseline: () => Promise<Reply>; plainUrl: string; n: number }): Promise<AttackReport> {
  const base = await round(opts.baseline, opts.n, opts.plainUrl)
  const before = heap()
  const attack = await round(opts.attack, opts.n, opts.plainUrl)
  const after = heap()
  return {
    ...attack,
    baselineStallMs: base.stallMs,
    baselineWallStallMs: base.wallStallMs,
    heapGrowth: after.heap - before.heap,
    rssGrowth: after.rss - before.rss,
  }
}
