// `ctx.health` of a service (or a worker's `health`): the handle of its entry, whose subscriptions
// and watches also end when its life does, as those of `ctx.topics` and `ctx.watch` do, and whose
// reports count no more once it ended. A restarted service that subscribes in its init then has
// one subscription, not one per life, and what an earlier life still does never changes the entry.
import type { HealthDetail, HealthListener, HealthStatus, ServiceHealth } from '../types/index.ts'
import { watchHealth } from './health-watch.ts'
import { ServiceSignal } from './service-signal.ts'

/** `handle`, for as long as `owner.signal` (one life's, or a worker's) has not aborted. */
export function scopedHealth (handle: ServiceHealth, owner: { readonly signal: AbortSignal }): ServiceHealth {
  const life = new ServiceSignal(owner)
  return Object.freeze({
    report (status: HealthStatus, detail?: HealthDetail): void {
      if (!owner.signal.aborted) handle.report(status, detail)
    },
    get: handle.get,
    subscribe (names: string | readonly string[], listener: HealthListener): () => void {
      const signal = life.acquire()
      let unsubscribe: () => void
      try {
        unsubscribe = handle.subscribe(names, listener)
      } catch (err) {
        life.release()
        throw err
      }
      let isEnded = false
      const end = (): void => {
        if (isEnded) return
        isEnded = true
        signal.removeEventListener('abort', end)
        unsubscribe()
        life.release()
      }
      // A life already over (a handle kept past its stop): the current entries, then nothing.
      if (signal.aborted) end()
      else signal.addEventListener('abort', end, { once: true })
      return end
    },
    watch (names: string | readonly string[], options: { readonly signal?: AbortSignal } = {}) {
      const signal = life.acquire()
      try {
        return watchHealth((listener) => {
          const unsubscribe = handle.subscribe(names, listener)
          return () => {
            unsubscribe()
            life.release()
          }
        }, [signal, options.signal])
      } catch (err) {
        life.release()
        throw err
      }
    },
  })
}
