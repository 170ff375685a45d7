// Turns a health subscription into an async iterator: every change, in order, until the consumer
// breaks out of its loop or the signal aborts (the iteration then simply ends).
import type { HealthChange, HealthListener } from '../types/index.ts'

type Subscribe = (listener: HealthListener) => () => void

export function watchHealth (subscribe: Subscribe, signal: AbortSignal | undefined): AsyncIterableIterator<HealthChange> {
  // Health changes are rare, so a slow consumer's backlog stays small: every change is kept.
  const backlog: HealthChange[] = []
  // next() calls waiting for a change (more than one when the consumer does not await each).
  const waiting: Array<() => void> = []
  const wake = (): void => { for (const resolve of waiting.splice(0)) resolve() }
  let isDone = false
  // Subscribing first: an unknown service name throws here, before anything else is set up.
  const unsubscribe = subscribe((change) => {
    backlog.push(change)
    wake()
  })
  const finish = (): void => {
    if (isDone) return
    isDone = true
    backlog.length = 0
    unsubscribe()
    signal?.removeEventListener('abort', finish)
    wake()
  }
  if (signal?.aborted === true) finish()
  else signal?.addEventListener('abort', finish, { once: true })

  const ended: IteratorReturnResult<undefined> = { done: true, value: undefined }
  return {
    async next (): Promise<IteratorResult<HealthChange, undefined>> {
      while (backlog.length === 0 && !isDone) await new Promise<void>((resolve) => { waiting.push(resolve) })
      const change = backlog.shift()
      return change === undefined ? ended : { done: false, value: change }
    },
    async return (): Promise<IteratorResult<HealthChange, undefined>> {
      finish()
      return ended
    },
    [Symbol.asyncIterator] () {
      return this
    },
  }
}
