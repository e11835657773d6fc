// Fixed-window tests must not straddle a window boundary: wait out the last
// seconds of a minute before starting.
export async function awayFromMinuteEnd(marginMs = 3000): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000)
  if (left < marginMs) await new Promise((r) => setTimeout(r, left + 50))
}
