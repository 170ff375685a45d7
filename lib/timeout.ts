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

/** Told once how a phase bounded by `PhaseDeadline.wait` ended. */
export interface PhaseOwner {
  phaseDone (): void
  /** The phase's promise rejected with `err`, or its time ran out (`err` is FSR_ERR_TIMEOUT). */
  phaseFailed (err: unknown): void
}

/**
 * Bounds one phase at a time with a single timer. Services start and stop one after another, so a
 * runner needs one deadline at a time, not a timer per phase: a new phase only moves the deadline,
 * and the timer is re-armed when it fires early (or set anew when the new deadline is nearer).
 *
 * A phase tells its owner how it ended instead of settling a promise of its own: every phase's
 * promise settles into the same two handlers, so bounding a phase allocates nothing beyond the
 * `then` it takes to hear of it. The handlers are replaced when a phase times out, which leaves a
 * promise that settles after its time ran out talking to handlers nobody listens to any more.
 * A phase that begins while another is bounded gets a timer of its own (`withTimeout`).
 */
export class PhaseDeadline {
  #timer: NodeJS.Timeout | undefined
  /** When the timer fires, and when the phase under way times out: epoch ms, as `Date.now()`. */
  #firesAt = 0
  #deadline = 0
  #owner: PhaseOwner | undefined
  // What the bounded phase is, for FSR_ERR_TIMEOUT.
  #service = ''
  #phase = ''
  #limit = 0
  #generation = 0
  // Made by #renew(), in the constructor and after each timeout.
  #onDone!: () => void
  #onFailed!: (err: unknown) => void

  constructor () {
    this.#renew()
  }

  /**
   * Waits for `work`, which began at `since` (epoch ms: the transition that began the phase tells
   * it, so a phase costs no clock read), for at most `ms` (`0` = no limit); then tells `owner`.
   */
  wait (work: PromiseLike<unknown>, ms: number, since: number, service: string, phase: string, owner: PhaseOwner): void {
    if (this.#owner !== undefined) {
      const bounded = ms === 0 ? Promise.resolve(work) : withTimeout(Promise.resolve(work), ms, () => new FSR_ERR_TIMEOUT(service, phase, ms))
      bounded.then(() => owner.phaseDone(), (err: unknown) => owner.phaseFailed(err))
      return
    }
    this.#owner = owner
    this.#service = service
    this.#phase = phase
    this.#limit = ms
    if (ms === 0) this.#deadline = Infinity
    else {
      this.#deadline = since + ms
      if (this.#timer === undefined || this.#firesAt > this.#deadline) this.#arm(ms)
      // From a bounded phase until release() or clear(), the timer keeps the process alive (as
      // withTimeout's does). Not un-ref'd after each phase: that is a call into libuv per phase,
      // and the next service's phase follows at once.
      else this.#timer.ref()
    }
    work.then(this.#onDone, this.#onFailed)
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

  #renew (): void {
    const generation = ++this.#generation
    this.#onDone = () => { if (generation === this.#generation) this.#end()?.phaseDone() }
    this.#onFailed = (err) => { if (generation === this.#generation) this.#end()?.phaseFailed(err) }
  }

  #end (): PhaseOwner | undefined {
    const owner = this.#owner
    this.#owner = undefined
    return owner
  }

  #arm (ms: number): void {
    clearTimeout(this.#timer)
    this.#firesAt = Date.now() + ms
    this.#timer = setTimeout(() => this.#fire(), ms)
  }

  #fire (): void {
    this.#timer = undefined
    if (this.#owner === undefined) return
    const left = this.#deadline - Date.now()
    // Early for the phase under way (it began after the timer was set, or has no limit).
    if (left > 0) {
      if (left !== Infinity) this.#arm(left)
      return
    }
    const err = new FSR_ERR_TIMEOUT(this.#service, this.#phase, this.#limit)
    // The phase's promise may still settle: into the old handlers, which nobody hears any more.
    this.#renew()
    this.#end()?.phaseFailed(err)
  }
}
