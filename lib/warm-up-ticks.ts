// Works around a V8 behaviour seen on Node 20 and 24: a full garbage collection that runs after
// process.nextTick's first hundred or so calls, but before V8 has optimized it, leaves nextTick
// several times slower for the rest of the process (100 ticks, then `gc()`, then 200,000 ticks:
// 110-180 ms instead of 13-22 ms). A program that imports a few libraries and boots a few plugins
// tends to have such a collection while it boots, and then serves about 20 % fewer requests per
// second for its whole life (README, Benchmarks). Two thousand empty ticks get nextTick optimized
// first, after which a collection leaves it alone. They take about a third of a millisecond, once
// per process, and run before the runner's boot does anything.

const TICKS = 2_000
let isWarm = false

export function warmUpNextTick (): void {
  if (isWarm) return
  isWarm = true
  let left = TICKS
  const tick = (): void => {
    if (--left > 0) process.nextTick(tick)
  }
  process.nextTick(tick)
}
