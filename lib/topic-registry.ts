// `ctx.topics` and `runner.topics`: named, typed topics between the services of one runner. A
// publish hands the value to every subscription at once and returns; a subscription whose consumer
// is busy keeps what comes meanwhile in a bounded mailbox, so no consumer ever holds a publisher up.
import { setMaxListeners } from 'node:events'
import type { Logger } from 'pino'
import type { RunnerTopicEvents, Topic, TopicFigures, TopicIterator, TopicListener, Topics, TopicUnsubscribe } from '../types/index.ts'
import { FSR_ERR_INVALID_TOPIC, FSR_ERR_TOPIC_RESERVED, RUNNER_STOPPED } from './errors.ts'
import { boundedMailbox, iterateMailbox, type Mailbox, type MailboxCounts } from './mailbox-iterator.ts'
import { describe } from './options.ts'
import { ServiceSignal } from './service-signal.ts'
import { readSubscribeOptions, readTopicName, type ResolvedSubscribeOptions } from './topic-options.ts'

export type RunnerTopicName = keyof RunnerTopicEvents
const RUNNER_TOPICS: readonly RunnerTopicName[] = ['fsr.lifecycle', 'fsr.health', 'fsr.restart']
const RESERVED_PREFIX = 'fsr.'

/** How the runner publishes on one of its own topics; `hasSubscribers` lets it skip building an event nobody hears. */
export interface RunnerTopic<T> {
  readonly hasSubscribers: boolean
  publish (value: T): void
}

/** Who subscribes through one `Topics`: a service (`ctx.topics`: its log, its signal), or the runner. */
interface Scope {
  readonly log: Logger
  readonly signal: ServiceSignal | undefined
}

interface Receiver<T> {
  receive (value: T): void
}

/** One topic: its subscriptions and its figures. */
class TopicState<T> {
  readonly name: string
  readonly isReserved: boolean
  published = 0
  delivered = 0
  dropped = 0
  /** Replaced, never changed in place: a delivery goes through the list as it was when it began. */
  receivers: ReadonlyArray<Receiver<T>> = []
  /** The last value delivered; undefined before the first (undefined is never published). */
  last: T | undefined

  constructor (name: string, isReserved: boolean) {
    this.name = name
    this.isReserved = isReserved
  }

  deliver (value: T): void {
    this.last = value
    for (const receiver of this.receivers) receiver.receive(value)
  }

  add (receiver: Receiver<T>): void {
    this.receivers = [...this.receivers, receiver]
  }

  remove (receiver: Receiver<T>): void {
    this.receivers = this.receivers.filter((each) => each !== receiver)
  }

  figures (): TopicFigures {
    const { name, published, delivered, dropped } = this
    return Object.freeze({ name, published, delivered, dropped, subscribers: this.receivers.length })
  }
}

function isThenable (value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function'
}

/** A listener's subscription: called at once, unless its last call's promise is still pending. */
class ListenerSubscription<T> implements Receiver<T>, MailboxCounts {
  dropped = 0
  #isActive = true
  #isBusy = false
  readonly #topic: TopicState<T>
  readonly #listener: TopicListener<T>
  readonly #scope: Scope
  readonly #mailbox: Mailbox<T>
  readonly #next = (): void => {
    this.#isBusy = false
    if (!this.#isActive) return
    const value = this.#mailbox.take()
    if (value !== undefined) this.#call(value)
  }

  readonly #failed = (err: unknown): void => {
    this.#fail(err)
    this.#next()
  }

  constructor (topic: TopicState<T>, listener: TopicListener<T>, scope: Scope, options: ResolvedSubscribeOptions) {
    this.#topic = topic
    this.#listener = listener
    this.#scope = scope
    this.#mailbox = boundedMailbox(options.buffer, options.overflow, this)
  }

  receive (value: T): void {
    if (!this.#isActive) return
    if (this.#isBusy) {
      this.#mailbox.put(value)
      return
    }
    this.#topic.delivered++
    this.#call(value)
  }

  onDrop (): void {
    this.dropped++
    this.#topic.dropped++
  }

  onTake (): void {
    this.#topic.delivered++
  }

  end (): void {
    this.#isActive = false
    this.#mailbox.clear()
  }

  #call (value: T): void {
    let result: unknown
    try {
      result = this.#listener(value)
    } catch (err) {
      this.#fail(err)
      return
    }
    // An async listener: what comes until it settles waits in the mailbox.
    if (isThenable(result)) {
      this.#isBusy = true
      result.then(this.#next, this.#failed)
    }
  }

  #fail (err: unknown): void {
    this.#scope.log.error({ err, topic: this.#topic.name }, 'topic listener failed')
  }
}

/** What an iterator's mailbox tells: the subscription's drops, and the topic's figures. A class: one call site, one shape. */
class IteratorCounts<T> implements MailboxCounts {
  dropped = 0
  readonly #topic: TopicState<T>

  constructor (topic: TopicState<T>) {
    this.#topic = topic
  }

  onDrop (): void {
    this.dropped++
    this.#topic.dropped++
  }

  onTake (): void {
    this.#topic.delivered++
  }
}

/** Every topic of one runner. */
export class TopicRegistry {
  /** `runner.topics`. */
  readonly api: Topics
  readonly #topics = new Map<string, TopicState<unknown>>()
  readonly #publishers = new Map<RunnerTopicName, RunnerTopic<never>>()
  // Values published while a delivery runs (a listener that publishes), as topic, value, topic, ...:
  // delivered after it, so every subscriber hears the values in the order they were published.
  readonly #queue: unknown[] = []
  #isDelivering = false
  readonly #scoped = new WeakMap<object, Topics>()
  // Aborted once the runner has stopped: no service is left to publish or to hear.
  readonly #stopped = new AbortController()

  constructor (log: Logger) {
    for (const name of RUNNER_TOPICS) this.#topics.set(name, new TopicState(name, true))
    this.api = this.#bind({ log, signal: undefined })
    // One listener per subscription still open, however many: no limit to warn at.
    setMaxListeners(0, this.#stopped.signal)
  }

  /**
   * The runner has stopped: every subscription ends, an iterator once its consumer took the values
   * waiting for it; one made from now on ends at once.
   */
  end (): void {
    this.#stopped.abort(RUNNER_STOPPED)
  }

  /** How the runner publishes on its topic `name`. */
  runnerTopic<K extends RunnerTopicName> (name: K): RunnerTopic<RunnerTopicEvents[K]> {
    let publisher = this.#publishers.get(name)
    if (publisher === undefined) {
      const state = this.#topics.get(name) as TopicState<RunnerTopicEvents[K]>
      publisher = Object.freeze({
        get hasSubscribers () { return state.receivers.length > 0 },
        publish: (value: RunnerTopicEvents[K]) => { this.#publish(state, value) },
      })
      this.#publishers.set(name, publisher)
    }
    return publisher as RunnerTopic<RunnerTopicEvents[K]>
  }

  /** `ctx.topics` of a service: its subscriptions also end when its `signal` aborts; its listeners' failures go to its `log`. */
  of (owner: { readonly signal: AbortSignal, readonly log: Logger }): Topics {
    let topics = this.#scoped.get(owner)
    if (topics === undefined) {
      topics = this.#bind({ get log () { return owner.log }, signal: new ServiceSignal(owner) })
      this.#scoped.set(owner, topics)
    }
    return topics
  }

  /** Every topic's figures, the runner's own first, then in order of creation. */
  figures (): TopicFigures[] {
    return [...this.#topics.values()].map((state) => state.figures())
  }

  #bind (scope: Scope): Topics {
    const handles = new Map<string, Topic<unknown>>()
    return Object.freeze({
      topic: (name: string) => {
        let handle = handles.get(name)
        if (handle === undefined) {
          handle = this.#handle(this.#state(name), scope)
          handles.set(name, handle)
        }
        return handle
      },
      figures: () => this.figures(),
    }) as Topics
  }

  #state (name: unknown): TopicState<unknown> {
    const known = this.#topics.get(name as string)
    if (known !== undefined) return known
    const valid = readTopicName(name)
    if (valid.startsWith(RESERVED_PREFIX)) throw new FSR_ERR_TOPIC_RESERVED(valid, 'the runner has no such topic')
    const state = new TopicState<unknown>(valid, false)
    this.#topics.set(valid, state)
    return state
  }

  #handle (state: TopicState<unknown>, scope: Scope): Topic<unknown> {
    return Object.freeze({
      name: state.name,
      publish: (value: unknown) => {
        if (state.isReserved) throw new FSR_ERR_TOPIC_RESERVED(state.name, 'publish() refused')
        this.#publish(state, value)
      },
      subscribe: ((first?: unknown, second?: unknown) => {
        if (typeof first === 'function') return this.#listen(state, scope, first as TopicListener<unknown>, second)
        if (second !== undefined || (first !== undefined && (first === null || typeof first !== 'object'))) {
          throw new FSR_ERR_INVALID_TOPIC(`topic "${state.name}" subscribe()`,
            `got ${describe(first)}${second === undefined ? '' : ' and a second argument'}; expected (listener, options?) with listener a function, or (options?) for an async iterator`)
        }
        return this.#iterate(state, scope, first)
      }) as Topic<unknown>['subscribe'],
      figures: () => state.figures(),
    })
  }

  #publish<T> (state: TopicState<T>, value: T): void {
    if (value === undefined) throw new FSR_ERR_INVALID_TOPIC(`topic "${state.name}" publish()`, 'got undefined; expected any other value (null for "no value")')
    state.published++
    if (this.#isDelivering) {
      this.#queue.push(state, value)
      return
    }
    this.#isDelivering = true
    try {
      state.deliver(value)
      for (let i = 0; i < this.#queue.length; i += 2) (this.#queue[i] as TopicState<unknown>).deliver(this.#queue[i + 1])
    } finally {
      this.#queue.length = 0
      this.#isDelivering = false
    }
  }

  #listen<T> (state: TopicState<T>, scope: Scope, listener: TopicListener<T>, input: unknown): TopicUnsubscribe {
    const options = readSubscribeOptions(state.name, input)
    const subscription = new ListenerSubscription(state, listener, scope, options)
    const signals = [...this.#signals(scope, options.signal), this.#stopped.signal]
    let isEnded = false
    const end = (): void => {
      if (isEnded) return
      isEnded = true
      subscription.end()
      state.remove(subscription)
      for (const signal of signals) signal.removeEventListener('abort', end)
      scope.signal?.release()
    }
    const unsubscribe = Object.defineProperty(() => { end() }, 'dropped', { get: () => subscription.dropped, enumerable: true }) as TopicUnsubscribe
    if (signals.some((signal) => signal.aborted)) {
      end()
      return unsubscribe
    }
    for (const signal of signals) signal.addEventListener('abort', end, { once: true })
    state.add(subscription)
    if (options.replay && state.last !== undefined) subscription.receive(state.last)
    return unsubscribe
  }

  #iterate<T> (state: TopicState<T>, scope: Scope, input: unknown): TopicIterator<T> {
    const options = readSubscribeOptions(state.name, input)
    const counts = new IteratorCounts(state)
    const signals = this.#signals(scope, options.signal)
    const iterator = iterateMailbox<T>((put) => {
      const receiver: Receiver<T> = { receive: put }
      state.add(receiver)
      if (options.replay && state.last !== undefined) put(state.last)
      return () => {
        state.remove(receiver)
        scope.signal?.release()
      }
    }, boundedMailbox(options.buffer, options.overflow, counts), signals, this.#stopped.signal)
    return Object.defineProperty(iterator, 'dropped', { get: () => counts.dropped, enumerable: true }) as TopicIterator<T>
  }

  /** What a new subscription ends on: its service's signal (which it then holds until it ends), and the caller's. */
  #signals (scope: Scope, signal: AbortSignal | undefined): AbortSignal[] {
    const signals = scope.signal === undefined ? [] : [scope.signal.acquire()]
    if (signal !== undefined) signals.push(signal)
    return signals
  }
}
