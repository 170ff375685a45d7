// An async iterator fed by a subscription: values wait in a mailbox until next() takes them, and
// the iteration ends (done) when one of its signals aborts or the consumer leaves its loop. The
// producer only ever puts into the mailbox: it never waits for the consumer.

/** Where values wait for the consumer; what it keeps decides what a slow consumer sees. */
export interface Mailbox<T> {
  put (value: T): void
  /** The next value, or undefined when there is none. */
  take (): T | undefined
  clear (): void
}

/** Every value, in order: for rare changes, where a slow consumer's backlog stays small. */
export function queueMailbox<T> (): Mailbox<T> {
  const values: T[] = []
  return {
    put: (value) => { values.push(value) },
    take: () => values.shift(),
    clear: () => { values.length = 0 },
  }
}

/** The latest value of each key, the key waiting longest first: at most one value per key waits. */
export function latestMailbox<T> (keyOf: (value: T) => string): Mailbox<T> {
  // A key put again keeps its place: overwriting in place is much cheaper than a delete and set.
  const latest = new Map<string, T>()
  return {
    put: (value) => { latest.set(keyOf(value), value) },
    take () {
      for (const [key, value] of latest) {
        latest.delete(key)
        return value
      }
      return undefined
    },
    clear: () => { latest.clear() },
  }
}

/** What a bounded mailbox tells of what it does with values. */
export interface MailboxCounts {
  /** A value was dropped because the mailbox was full. */
  onDrop (): void
  /** A value left the mailbox for its consumer. */
  onTake (): void
}

/**
 * At most `capacity` values, in order; one more drops the value waiting longest (`drop-oldest`) or
 * the new one (`drop-newest`). Values must not be undefined (take() says "none" with it).
 */
export function boundedMailbox<T> (capacity: number, overflow: 'drop-oldest' | 'drop-newest', counts: MailboxCounts): Mailbox<T> {
  // A ring, grown as values wait up to `capacity`: a full one overwrites its oldest in place, with
  // nothing allocated (a `latest` subscription of a busy topic drops at every publish).
  let ring: Array<T | undefined> = []
  let first = 0
  let size = 0
  const grow = (): void => {
    const length = Math.min(capacity, Math.max(4, ring.length * 2))
    const next = Array.from({ length }, (_, i): T | undefined => i < size ? ring[(first + i) % ring.length] : undefined)
    ring = next
    first = 0
  }
  return {
    put (value) {
      if (size === capacity) {
        counts.onDrop()
        if (overflow === 'drop-newest') return
        // Full, the ring is `capacity` long: the oldest's place takes the new value.
        ring[first] = value
        first = (first + 1) % ring.length
        return
      }
      if (size === ring.length) grow()
      ring[(first + size) % ring.length] = value
      size++
    },
    take () {
      if (size === 0) return undefined
      const value = ring[first] as T
      ring[first] = undefined
      first = (first + 1) % ring.length
      size--
      counts.onTake()
      return value
    },
    clear () {
      ring = []
      first = 0
      size = 0
    },
  }
}

/**
 * Calls `subscribe` at once (a throw there, such as an unknown name, reaches the caller before
 * anything is set up) with the function that puts a value in the mailbox; calls what it returns
 * when the iteration ends. When `ending` aborts, no value comes any more: the consumer still takes
 * those waiting, then the iteration is done.
 */
export function iterateMailbox<T> (
  subscribe: (put: (value: T) => void) => () => void,
  mailbox: Mailbox<T>,
  signals: readonly AbortSignal[],
  ending?: AbortSignal,
): AsyncIterableIterator<T> {
  // next() calls waiting for a value (more than one when the consumer does not await each).
  const waiting: Array<() => void> = []
  const wake = (): void => {
    // Most puts find nobody waiting (the consumer is busy, or already woken): nothing to copy then.
    if (waiting.length === 0) return
    for (const resolve of waiting.splice(0)) resolve()
  }
  let isDone = false
  let isSubscribed = true
  const unsubscribe = subscribe((value) => {
    if (isDone || !isSubscribed) return
    mailbox.put(value)
    wake()
  })
  // No value comes any more; those waiting may still be taken.
  const leave = (): void => {
    if (!isSubscribed) return
    isSubscribed = false
    unsubscribe()
    ending?.removeEventListener('abort', leave)
    wake()
  }
  const finish = (): void => {
    if (isDone) return
    isDone = true
    mailbox.clear()
    leave()
    for (const signal of signals) signal.removeEventListener('abort', finish)
    wake()
  }
  if (signals.some((signal) => signal.aborted)) finish()
  else for (const signal of signals) signal.addEventListener('abort', finish, { once: true })
  if (ending?.aborted === true) leave()
  else if (isSubscribed) ending?.addEventListener('abort', leave, { once: true })

  const ended: IteratorReturnResult<undefined> = { done: true, value: undefined }
  return {
    async next (): Promise<IteratorResult<T, undefined>> {
      let value = isDone ? undefined : mailbox.take()
      while (value === undefined && !isDone) {
        // Nothing waits, and nothing more will come.
        if (!isSubscribed) finish()
        else await new Promise<void>((resolve) => { waiting.push(resolve) })
        value = isDone ? undefined : mailbox.take()
      }
      return value === undefined ? ended : { done: false, value }
    },
    async return (): Promise<IteratorResult<T, undefined>> {
      finish()
      return ended
    },
    [Symbol.asyncIterator] () {
      return this
    },
  }
}
