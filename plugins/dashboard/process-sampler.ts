// Once a second while a dashboard is open: the process's event-loop delay, heap, RSS and
// event-loop utilization over the last second. Nothing runs while no client listens.
import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks'

export interface ProcessSample {
  /** Epoch ms. */
  readonly at: number
  /** p99 of the event-loop delay over the last second, ms. */
  readonly eventLoopDelay: number
  readonly heapUsedBytes: number
  readonly rssBytes: number
  /** Share of the last second the event loop was busy, 0 to 1. */
  readonly eventLoopUtilization: number
}

/** The samples kept for a newly opened page's sparklines: one minute. */
export const KEPT_SAMPLES = 60

export class ProcessSampler {
  readonly #onSample: (sample: ProcessSample) => void
  readonly #kept: ProcessSample[] = []
  #timer: NodeJS.Timeout | undefined
  #delay: IntervalHistogram | undefined
  #utilization: EventLoopUtilization | undefined

  constructor (onSample: (sample: ProcessSample) => void) {
    this.#onSample = onSample
  }

  /** The last minute of samples, oldest first. */
  get recent (): readonly ProcessSample[] {
    return this.#kept
  }

  start (): void {
    if (this.#timer !== undefined) return
    this.#delay = monitorEventLoopDelay({ resolution: 10 })
    this.#delay.enable()
    this.#utilization = performance.eventLoopUtilization()
    // Never keeps the process alive on its own.
    this.#timer = setInterval(() => this.#sample(), 1_000).unref()
  }

  stop (): void {
    clearInterval(this.#timer)
    this.#timer = undefined
    this.#delay?.disable()
    this.#delay = undefined
  }

  #sample (): void {
    const { heapUsed, rss } = process.memoryUsage()
    const utilization = performance.eventLoopUtilization(this.#utilization)
    this.#utilization = performance.eventLoopUtilization()
    const sample = {
      at: Date.now(),
      eventLoopDelay: this.#delay!.percentile(99) / 1e6,
      heapUsedBytes: heapUsed,
      rssBytes: rss,
      eventLoopUtilization: utilization.utilization,
    }
    this.#delay!.reset()
    this.#kept.push(sample)
    if (this.#kept.length > KEPT_SAMPLES) this.#kept.shift()
    this.#onSample(sample)
  }
}
