// Bounds a promise by a time limit of ours, so no phase of a service can hang the runner.
import { FSR_ERR_TIMEOUT } from './errors.ts'

/**
 * Settles like `work`, or rejects with `onTimeout()` after `ms` milliseconds (`0` = no limit).
 * The timer is cleared as soon as `work` settles; until then it keeps the process alive, so a hung
 * phase ends in a timeout error rather than in an event loop that quietly runs dry.
 */
export function withTimeout<T> (work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  if (ms === 0) return work
  let timer: NodeJS.Timeout | undefined
  const limit = new Promise<never>((resolve, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms)
  })
  return Promise.race([work, limit]).finally(() => clearTimeout(timer))
}

/** Whether `value` can be awaited: what a hook returned, which may be a promise, a thenable or a plain value. */
export function isPromiseLike (value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function'
}

/** Calls `fn` with `args` and turns a synchronous throw into a rejection (no closure needed per call). */
export async function invoke<A extends unknown[], T> (fn: (...args: A) => T | Promise<T>, ...args: A): Promise<T> {
  return await fn(...args)
}

/**
 * Bounds one phase at a time with a single timer. Services start and stop one after another, so a
 * runner needs one deadline at a time, not a timer per phase: a new phase only moves the deadline,
 * and the timer is re-armed when it fires early (or set anew when the new deadline is nearer).
 * A phase that begins while another is bounded gets a timer of its own (`withTimeout`).
 */
export class PhaseDeadline {
  #timer: NodeJS.Timeout | undefined
  #firesAt = 0
  #deadline = 0
  // The bounded phase: how it fails, and what it is (for FSR_ERR_TIMEOUT: no closure per phase).
  #expire: ((err: Error) => void) | undefined
  #service = ''
  #phase = ''
  #limit = 0

  /** Settles like `work`, or rejects with FSR_ERR_TIMEOUT naming `service` and `phase` after `ms` (`0` = no limit). */
  bound<T> (work: PromiseLike<T>, ms: number, service: string, phase: string): Promise<T> {
    if (ms === 0) return Promise.resolve(work)
    if (this.#expire !== undefined) return withTimeout(Promise.resolve(work), ms, () => new FSR_ERR_TIMEOUT(service, phase, ms))
    return new Promise<T>((resolve, reject) => {
      this.#expire = reject
      this.#service = service
      this.#phase = phase
      this.#limit = ms
      this.#deadline = performance.now() + ms
      if (this.#timer === undefined || this.#firesAt > this.#deadline) this.#arm(ms)
      // From a bounded phase until release() or clear(), the timer keeps the process alive (as
      // withTimeout's does). Not un-ref'd after each phase: that is a call into libuv per phase,
      // and the next service's phase follows at once.
      else this.#timer.ref()
      work.then((value) => { this.#end(reject); resolve(value) }, (err: unknown) => { this.#end(reject); reject(err) })
    })
  }

  /** The phases are over for now (the boot is done): the timer no longer keeps the process alive. */
  release (): void {
    this.#timer?.unref()
  }

  /** Clears the timer (the runner has stopped). */
  clear (): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #arm (ms: number): void {
    clearTimeout(this.#timer)
    this.#firesAt = performance.now() + ms
    this.#timer = setTimeout(() => this.#fire(), ms)
  }

  #fire (): void {
    this.#timer = undefined
    const expire = this.#expire
    if (expire === undefined) return
    const left = this.#deadline - performance.now()
    if (left > 0) return this.#arm(Math.ceil(left))
    const err = new FSR_ERR_TIMEOUT(this.#service, this.#phase, this.#limit)
    this.#end(expire)
    expire(err)
  }

  #end (expire: (err: Error) => void): void {
    // A phase that already timed out must not end the one bounded after it.
    if (this.#expire !== expire) return
    this.#expire = undefined
  }
}
