// Turns a health subscription into an async iterator: every change, in order, until the consumer
// breaks out of its loop or one of the signals aborts (the iteration then simply ends), or `ending`
// aborts (then after the changes still waiting).
import type { HealthChange, HealthListener } from '../types/index.ts'
import { iterateMailbox, queueMailbox } from './mailbox-iterator.ts'

type Subscribe = (listener: HealthListener) => () => void

export function watchHealth (subscribe: Subscribe, signals: ReadonlyArray<AbortSignal | undefined>, ending?: AbortSignal): AsyncIterableIterator<HealthChange> {
  // Health changes are rare, so a slow consumer's backlog stays small: every change is kept.
  return iterateMailbox(subscribe, queueMailbox(), signals.filter((signal) => signal !== undefined), ending)
}
