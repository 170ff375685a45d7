// The process's measures, sampled the way @fastify/under-pressure samples them (event-loop delay and
// utilization over the last interval, heap used, RSS) from start() to stop(). Not under-pressure
// itself: it never disables its event-loop monitor, so each runner stopped in a process left one
// running for good (a test suite that starts hundreds of runners slowed down run after run).
import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks'
import type { PressureSample } from './judge-pressure.ts'

/** How often the event loop is read, ms (under-pressure's resolution). */
export const EVENT_LOOP_RESOLUTION = 10
const NOTHING_YET: PressureSample = Object.freeze({ eventLoopDelay: 0, heapUsed: 0, rssBytes: 0, eventLoopUtilized: 0 })

export class PressureSampler {
  /** The last sample; every measure reads 0 before the first. */
  latest: PressureSample = NOTHING_YET
  #histogram: IntervalHistogram | undefined
  #utilization: EventLoopUtilization | undefined
  #timer: NodeJS.Timeout | undefined

  /** Samples every `interval` ms and hands each sample to `onSample`; the timer never keeps the process alive. */
  start (interval: number, onSample: (sample: PressureSample) => void): void {
    this.stop()
    this.#histogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION })
    this.#histogram.enable()
    this.#utilization = performance.eventLoopUtilization()
    this.#timer = setInterval(() => onSample(this.#sample()), interval).unref()
  }

  stop (): void {
    clearInterval(this.#timer)
    this.#histogram?.disable()
    this.#histogram = undefined
    this.latest = NOTHING_YET
  }

  #sample (): PressureSample {
    const histogram = this.#histogram as IntervalHistogram
    // The mean over the interval, less the reading interval itself; no reading at all (the loop was
    // blocked the whole interval) is an endless delay.
    const delay = Math.max(0, histogram.mean / 1e6 - EVENT_LOOP_RESOLUTION)
    histogram.reset()
    const now = performance.eventLoopUtilization()
    const { utilization } = performance.eventLoopUtilization(now, this.#utilization)
    this.#utilization = now
    const { heapUsed, rss } = process.memoryUsage()
    this.latest = { eventLoopDelay: Number.isNaN(delay) ? Infinity : delay, heapUsed, rssBytes: rss, eventLoopUtilized: utilization }
    return this.latest
  }
}
