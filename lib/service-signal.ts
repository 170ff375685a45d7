// A service's `ctx.signal` as the subscriptions made through its context hear it (watchers,
// topics): one listener on it while any of them runs, however many do (Node warns of a leak past
// ten), forwarded to a signal of our own.
import { setMaxListeners } from 'node:events'

export class ServiceSignal {
  #owner: { readonly signal: AbortSignal }
  #forwarded: AbortController | undefined
  #users = 0
  #forward = (): void => { this.#forwarded?.abort(this.#owner.signal.reason) }

  /** `owner`: one life of a service (its ctx) or a worker; its signal is read as subscriptions are made (a ctx makes it on first read). */
  constructor (owner: { readonly signal: AbortSignal }) {
    this.#owner = owner
  }

  /** The signal a new subscription ends on; `release` once it ended. */
  acquire (): AbortSignal {
    const { signal } = this.#owner
    if (this.#forwarded === undefined) {
      this.#forwarded = new AbortController()
      // Ours alone, and one per subscription of this life listens on it: no limit to warn at.
      setMaxListeners(0, this.#forwarded.signal)
    }
    if (this.#users++ === 0) {
      if (signal.aborted) this.#forward()
      else signal.addEventListener('abort', this.#forward, { once: true })
    }
    return this.#forwarded.signal
  }

  release (): void {
    if (--this.#users === 0) this.#owner.signal.removeEventListener('abort', this.#forward)
  }
}
