// Passive health: calls a service's `check` every `interval`, each call bounded by `timeout`.
// The next call is scheduled only once the previous one ended, so slow checks never pile up.
import type { HealthCheckResult } from '../types/index.ts'
import { FSR_ERR_TIMEOUT } from './errors.ts'
import { failedCheck, readCheckResult, type HealthReport } from './health-report.ts'
import { invoke, withTimeout } from './timeout.ts'

export interface HealthPollerOptions {
  /** The service's name, for the timeout error. */
  readonly name: string
  readonly check: () => HealthCheckResult | Promise<HealthCheckResult>
  /** Milliseconds from the end of one check to the start of the next. */
  readonly interval: number
  /** Limit of one check in milliseconds; `0` = none. */
  readonly timeout: number
  /**
   * Receives the outcome of every check with its duration in ms; a throw, a timeout or a bad result
   * arrive as `unhealthy` with `isFailure` set.
   */
  readonly onResult: (report: HealthReport, duration: number, isFailure: boolean) => void
}

export class HealthPoller {
  #options: HealthPollerOptions
  #timer: NodeJS.Timeout | undefined
  // Bumped by every start and stop: a check that ends in another generation reports nothing.
  #generation = 0
  #isPolling = false

  constructor (options: HealthPollerOptions) {
    this.#options = options
  }

  get isPolling (): boolean {
    return this.#isPolling
  }

  /** Checks at once, then every `interval` after each check ends. */
  start (): void {
    if (this.#isPolling) return
    this.#isPolling = true
    void this.#poll(++this.#generation)
  }

  /** Cancels the next check; a check in flight is left to end, and its result is dropped. */
  stop (): void {
    this.#isPolling = false
    this.#generation++
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  async #poll (generation: number): Promise<void> {
    const begin = performance.now()
    const { report, isFailure } = await this.#checkOnce()
    if (generation !== this.#generation) return
    this.#options.onResult(report, performance.now() - begin, isFailure)
    // onResult may have stopped us (a listener reacting to the change).
    if (generation !== this.#generation) return
    this.#timer = setTimeout(() => { void this.#poll(generation) }, this.#options.interval)
    // Polling alone does not keep the process alive; the service it watches does.
    this.#timer.unref()
  }

  async #checkOnce (): Promise<{ report: HealthReport, isFailure: boolean }> {
    const { name, check, timeout } = this.#options
    try {
      const result = await withTimeout(invoke(check, undefined), timeout, () => new FSR_ERR_TIMEOUT(name, 'check', timeout))
      return { report: readCheckResult(`check() of service "${name}"`, result), isFailure: false }
    } catch (err) {
      return { report: failedCheck(err), isFailure: true }
    }
  }
}
