// The dashboard's events, numbered in order and kept for a while, so a client that reconnects with
// the id of the last event it saw gets every event it missed (or learns that they are gone).

export interface DashboardEvent {
  /** Increasing from 1; events without one (pressure samples) are never replayed. */
  readonly id: number | undefined
  readonly type: string
  readonly data: unknown
}

export type EventListener = (event: DashboardEvent) => void

export class EventLog {
  /** The last `capacity` to `2 * capacity - 1` events. */
  #kept: DashboardEvent[] = []
  readonly #capacity: number
  readonly #listeners = new Set<EventListener>()
  #lastId = 0

  constructor (capacity: number) {
    this.#capacity = capacity
  }

  /** The id of the newest numbered event (0 before the first). */
  get lastId (): number {
    return this.#lastId
  }

  get listenerCount (): number {
    return this.#listeners.size
  }

  /** Numbers the event, keeps it for replay and hands it to every listener. */
  append (type: string, data: unknown): void {
    const event = { id: ++this.#lastId, type, data }
    this.#kept = keepLast(this.#kept, event, this.#capacity)
    this.#deliver(event)
  }

  /** Hands the event to every listener without keeping it (a sample that the next one replaces). */
  broadcast (type: string, data: unknown): void {
    this.#deliver({ id: undefined, type, data })
  }

  /** The events after `id`, or undefined when some of them are no longer kept. */
  since (id: number): DashboardEvent[] | undefined {
    if (id > this.#lastId) return undefined
    const first = this.#kept[0]?.id ?? this.#lastId + 1
    if (id + 1 < first) return undefined
    return this.#kept.slice(id + 1 - first)
  }

  /** Returns the function that removes the listener. */
  listen (listener: EventListener): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  #deliver (event: DashboardEvent): void {
    for (const listener of this.#listeners) listener(event)
  }
}

/**
 * `kept` with `item` at its end, trimmed to the last `capacity` once it holds twice as many: by
 * halves, not one by one (a restart storm or a boot with a client connected appends thousands).
 */
export function keepLast<T> (kept: T[], item: T, capacity: number): T[] {
  kept.push(item)
  return kept.length >= 2 * capacity ? kept.slice(-capacity) : kept
}
