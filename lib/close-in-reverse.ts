// Services stop in reverse registration order from avvio's onClose queue (last in, first out),
// around the onClose hooks they add themselves: a service's `beginStop` runs before its own hooks,
// its `finishStop` after them. That takes two hooks per service when the service adds hooks, and
// one hook for a whole run of consecutive services that add none (most of them): every hook costs
// avvio and fastq about 0.6 KB and a round of promises and ticks at close.
import type { FastifyInstance } from 'fastify'

/** The two steps of one service's stop, as its onClose hooks call them; each returns a promise only when it has to wait. */
export interface ClosingService {
  beginStop (): Promise<void> | undefined
  finishStop (): Promise<void> | undefined
}

// avvio awaits what a hook returns when it is a promise, and goes on at the next tick otherwise.
type OnCloseHook = (instance: FastifyInstance) => Promise<void> | undefined
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
      this.#add(() => service.beginStop())
    } else if (this.#run !== undefined) {
      this.#run.push(service)
    } else {
      const run = [service]
      this.#add(() => stopAll(run))
      this.#run = run
    }
  }

  #onForeignHook (): void {
    const service = this.#loading
    // The first hook the loading service adds: its `finishStop` goes behind it, so it runs after.
    if (service !== undefined && !this.#hasFinishHook) {
      this.#hasFinishHook = true
      this.#add(() => service.finishStop())
    }
    this.#run = undefined
  }

  #add (hook: OnCloseHook): void {
    this.#run = undefined
    this.#onClose.call(this.#app, hook)
  }
}

/**
 * Stops `services` in reverse order, as their own hooks would. A failing step fails this hook, as
 * it would have failed its own, and the ones after it still run; avvio keeps the last error.
 */
async function stopAll (services: readonly ClosingService[]): Promise<void> {
  let failure: { err: unknown } | undefined
  for (let i = services.length - 1; i >= 0; i--) {
    try {
      const begun = services[i].beginStop()
      if (begun !== undefined) await begun
    } catch (err) {
      failure = { err }
    }
    try {
      const finished = services[i].finishStop()
      if (finished !== undefined) await finished
    } catch (err) {
      failure = { err }
    }
  }
  if (failure !== undefined) throw failure.err
}
