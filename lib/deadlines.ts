// The time limits of one runner's service phases, kept by a single timer. A timer per phase made
// Node build and drop its list of 30-second timers at every phase (they mostly run one after
// another, and an empty list is dropped): about a tenth of the core's start + stop with 1,000 services.
import { FSR_ERR_TIMEOUT } from './errors.ts'

// What a pending phase needs to time out, as data rather than closures: phases are many.
interface Bound {
  /** Epoch ms (Date.now(), which node:test mock timers move with setTimeout). */
  readonly at: number
  readonly reject: (err: Error) => void
  readonly service: string
  readonly phase: string
  readonly ms: number
}

export class Deadlines {
  // An array, not a Set: phases mostly come one at a time, and a Set going from one entry to none and
  // back rebuilds its table. Few are ever pending at once (each service has one phase at a time).
  #pending: Bound[] = []
  #timer: NodeJS.Timeout | undefined
  /** When the timer fires, epoch ms; Infinity while there is none. */
  #firesAt = Infinity

  /**
   * Settles like `work`, or rejects with FSR_ERR_TIMEOUT (`service`, `phase`) after `ms`
   * milliseconds (`0` = no limit). While a bound is pending the timer keeps the process alive, so a
   * hung phase ends in a timeout error rather than in an event loop that quietly runs dry.
   */
  bound<T> (work: Promise<T>, ms: number, service: string, phase: string): Promise<T> {
    if (ms === 0) return work
    return new Promise<T>((resolve, reject) => {
      const bound: Bound = { at: Date.now() + ms, reject, service, phase, ms }
      this.#add(bound)
      work.then((value) => {
        this.#remove(bound)
        resolve(value)
      }, (err: unknown) => {
        this.#remove(bound)
        reject(err)
      })
    })
  }

  #add (bound: Bound): void {
    this.#pending.push(bound)
    if (bound.at < this.#firesAt) this.#arm(bound.at)
    else if (this.#pending.length === 1) this.#timer?.ref()
  }

  /** Takes a settled bound out (the last one takes its place); one that expired already is gone. */
  #remove (bound: Bound): void {
    const pending = this.#pending
    const i = pending.indexOf(bound)
    if (i === -1) return
    pending[i] = pending[pending.length - 1] as Bound
    pending.pop()
    // Left armed for the next phase, but no longer holding the process open.
    if (pending.length === 0) this.#timer?.unref()
  }

  #arm (at: number): void {
    clearTimeout(this.#timer)
    this.#firesAt = at
    this.#timer = setTimeout(() => this.#fire(), Math.max(1, at - Date.now()))
  }

  /** Expires every bound due by the time the timer was set for, then arms it for the next one. */
  #fire (): void {
    const due = this.#firesAt
    this.#timer = undefined
    this.#firesAt = Infinity
    const expired = this.#pending.filter((bound) => bound.at <= due)
    this.#pending = this.#pending.filter((bound) => bound.at > due)
    for (const bound of expired) bound.reject(new FSR_ERR_TIMEOUT(bound.service, bound.phase, bound.ms))
    const next = this.#pending.reduce((soonest, bound) => Math.min(soonest, bound.at), Infinity)
    if (next !== Infinity) this.#arm(next)
  }
}
