// Topics: typed publish/subscribe between the services of one runner (types only; see docs/topics.md).
import type { HealthChange } from './health.ts'
import type { LifecycleTransition } from './index.ts'
import type { RestartEvent } from './restart.ts'

/**
 * What a subscription's full mailbox does with one more value: `drop-oldest` drops the value that
 * waited longest, `drop-newest` drops the new one, `latest` keeps only the newest value (a mailbox
 * of one, for state-like topics).
 */
export type TopicOverflow = 'drop-oldest' | 'drop-newest' | 'latest'

/** How one subscription receives. */
export interface TopicSubscribeOptions {
  /** Aborting it ends the subscription. On `ctx.topics`, the service's own `ctx.signal` ends it too. Default: none. */
  readonly signal?: AbortSignal
  /**
   * Values that may wait for a busy consumer (an iterator between two `next()` calls, an async
   * listener whose promise has not settled): an integer from 1 to 1 000 000. Must be 1 (or absent)
   * with `overflow: 'latest'`. Default: `100`.
   */
  readonly buffer?: number
  /** What a full mailbox does with one more value; each value it drops is counted. Default: `'drop-oldest'`. */
  readonly overflow?: TopicOverflow
  /** `1` delivers the topic's last published value first (when there is one); `0` only what comes. Default: `0`. */
  readonly replay?: 0 | 1
}

/** What one subscription lost. */
export interface TopicSubscription {
  /** Values its full mailbox dropped, as its `overflow` says. */
  readonly dropped: number
}

/** Returned by `topic.subscribe(listener)`: call it to end the subscription (more calls do nothing). */
export type TopicUnsubscribe = (() => void) & TopicSubscription

/** Returned by `topic.subscribe(options)`: the values, as they come; ends when its signal aborts or the loop is left. */
export interface TopicIterator<T> extends AsyncIterableIterator<T>, TopicSubscription {}

/**
 * Receives each value. Called synchronously by `publish`; when it returns a promise, the values
 * published meanwhile wait in the subscription's mailbox until it settles. A throw or a rejection
 * is logged (`"topic listener failed"`); the other subscribers still get the value, the publisher
 * never sees it.
 */
export type TopicListener<T> = (value: T) => void | Promise<void>

/** The figures of one topic since the runner was created (`GET /topics`, `fsr_topic_*` metrics). */
export interface TopicFigures {
  readonly name: string
  /** `publish` calls. */
  readonly published: number
  /** Values handed to a listener or yielded by an iterator, summed over its subscriptions. */
  readonly delivered: number
  /** Values dropped by full mailboxes, summed over its subscriptions. */
  readonly dropped: number
  /** Subscriptions open now. */
  readonly subscribers: number
}

/** A topic that may be subscribed to: the runner's own `fsr.*` topics are these. */
export interface ReadonlyTopic<T> {
  readonly name: string
  /** Calls `listener` with every value published from now on (first the last one, with `replay: 1`). */
  subscribe (listener: TopicListener<T>, options?: TopicSubscribeOptions): TopicUnsubscribe
  /** The values published from now on (first the last one, with `replay: 1`), as an async iterator. */
  subscribe (options?: TopicSubscribeOptions): TopicIterator<T>
  figures (): TopicFigures
}

/** A named, typed topic: every subscription gets every value (unless its full mailbox drops it). */
export interface Topic<T> extends ReadonlyTopic<T> {
  /**
   * Hands `value` to every subscription, without waiting for any consumer. `undefined` is refused
   * (`FSR_ERR_INVALID_TOPIC`: publish `null` for "no value").
   */
  publish (value: T): void
}

/** The runner's own topics, by name, and what each carries (the same objects as its diagnostics channels). */
export interface RunnerTopicEvents {
  /** Every lifecycle transition of every service. */
  readonly 'fsr.lifecycle': LifecycleTransition
  /** Every health change of every entry. */
  readonly 'fsr.health': HealthChange
  /** Every decision of a restart policy. */
  readonly 'fsr.restart': RestartEvent
}

/** `ctx.topics` and `runner.topics`: get or create topics by name. */
export interface Topics {
  /** One of the runner's own topics: subscribe only; `publish` is refused (`FSR_ERR_TOPIC_RESERVED`). */
  topic<K extends keyof RunnerTopicEvents> (name: K): ReadonlyTopic<RunnerTopicEvents[K]>
  /**
   * Gets the topic named `name`, creating it on first use: 1 to 128 letters, digits and `.` `_` `-`
   * `:` `/`, beginning with a letter or digit, else `FSR_ERR_INVALID_TOPIC`. Names beginning with
   * `fsr.` other than the runner's own are refused (`FSR_ERR_TOPIC_RESERVED`). `T` is the caller's
   * word: every caller naming the topic must agree on it.
   */
  topic<T = unknown> (name: string): Topic<T>
  /** The figures of every topic, the runner's own first, then in order of creation. */
  figures (): TopicFigures[]
}
