// Services stop in reverse registration order from avvio's onClose queue (last in, first out),
// around the onClose hooks they add themselves: a service's `beginStop` runs before its own hooks,
// its `finishStop` after them. That takes two hooks per service when the service adds hooks, and
// one hook for a whole run of consecutive services that add none (most of them): every hook costs
// avvio and fastq about 0.6 KB and a round of promises and ticks at close.
import type { FastifyInstance } from 'fastify'
import type { PhaseOwner } from './timeout.ts'

/**
 * The two steps of one service's stop. Each returns true when it has to wait: `owner` then hears
 * once it is over (a failure of the service's own is the service's to record, not the owner's).
 */
export interface ClosingService {
  beginStop (owner: PhaseOwner): boolean
  finishStop (owner: PhaseOwner): boolean
}

// avvio waits for the promise a hook returns.
type OnCloseHook = (instance: FastifyInstance) => Promise<void>
type OnClose = (this: FastifyInstance, hook: OnCloseHook) => FastifyInstance

export class CloseInReverse {
  #onClose: OnClose
  #app: FastifyInstance
  // The services whose hook is at the front of the close queue: a service that loads next and adds
  // no hook joins them. Anyone else's hook closes the run.
  #run: ClosingService[] | undefined
  #loading: ClosingService | undefined
  #hasFinishHook = false

  constructor (app: FastifyInstance) {
    // Every other onClose hook comes through `app.onClose`: Fastify's addHook('onClose') calls it, and
    // encapsulated instances inherit it from the root.
    const exposed = app as unknown as { onClose: OnClose }
    const onClose = exposed.onClose
    this.#onClose = onClose
    this.#app = app
    const onForeignHook = (): void => this.#onForeignHook()
    exposed.onClose = function (hook) {
      onForeignHook()
      return onClose.call(this, hook)
    }
  }

  /** The service begins to load: hooks added from now on run between its two steps. */
  loading (service: ClosingService): void {
    this.#loading = service
    this.#hasFinishHook = false
  }

  /** The service is done loading (started or failed): its stop is queued. */
  loaded (service: ClosingService): void {
    this.#loading = undefined
    if (this.#hasFinishHook) {
      this.#add(() => new ReverseStop([service], BEGIN).run())
    } else if (this.#run !== undefined) {
      this.#run.push(service)
    } else {
      const run = [service]
      this.#add(() => new ReverseStop(run, BOTH).run())
      this.#run = run
    }
  }

  #onForeignHook (): void {
    const service = this.#loading
    // The first hook the loading service adds: its `finishStop` goes behind it, so it runs after.
    if (service !== undefined && !this.#hasFinishHook) {
      this.#hasFinishHook = true
      this.#add(() => new ReverseStop([service], FINISH).run())
    }
    this.#run = undefined
  }

  #add (hook: OnCloseHook): void {
    this.#run = undefined
    this.#onClose.call(this.#app, hook)
  }
}

// The steps a ReverseStop takes of each service (flags).
const BEGIN = 1
const FINISH = 2
const BOTH = BEGIN | FINISH

/**
 * Stops `services` in reverse order, as their own hooks would: `beginStop`, then `finishStop`, of
 * each. It waits only where a step says so, and hears of that step's end as the step's owner, so a
 * run of thousands of services costs one promise, not one per step. A step that throws fails the
 * run, as it would have failed its own hook, and the ones after it still run; avvio keeps the last
 * error.
 */
class ReverseStop implements PhaseOwner {
  readonly #services: readonly ClosingService[]
  readonly #steps: number
  /** The step each service begins with: BEGIN, unless the run takes FINISH only. */
  readonly #first: number
  #index: number
  #step: number
  #failure: { err: unknown } | undefined
  #resolve: () => void = noop
  #reject: (err: unknown) => void = noop

  constructor (services: readonly ClosingService[], steps: number) {
    this.#services = services
    this.#steps = steps
    this.#first = steps & BEGIN ? BEGIN : FINISH
    this.#index = services.length - 1
    this.#step = this.#first
  }

  run (): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
      this.#next()
    })
  }

  phaseDone (): void {
    this.#next()
  }

  phaseFailed (err: unknown): void {
    this.#failure = { err }
    this.#next()
  }

  #next (): void {
    while (this.#index >= 0) {
      const service = this.#services[this.#index]
      const step = this.#step
      // Moved past the step before taking it: a step that ends at once (a thenable that calls
      // back in place) comes back here, and must find the next one.
      if (step === BEGIN && this.#steps & FINISH) this.#step = FINISH
      else {
        this.#index--
        this.#step = this.#first
      }
      try {
        if (step === BEGIN ? service.beginStop(this) : service.finishStop(this)) return
      } catch (err) {
        this.#failure = { err }
      }
    }
    if (this.#failure === undefined) this.#resolve()
    else this.#reject(this.#failure.err)
  }
}

function noop (): void {}
