// The lifecycle of one service: its current state, every transition with its time and duration,
// and the fan-out of each transition to the log and to node:diagnostics_channel.
import diagnostics from 'node:diagnostics_channel'
import type { LifecycleState, LifecycleTransition, ServiceStateSnapshot } from '../types/index.ts'
import type { ServiceLog } from './service-log.ts'
import type { RunnerTopic } from './topic-registry.ts'

/** Subscribers receive every `LifecycleTransition` of every runner in the process. */
export const lifecycleChannel = diagnostics.channel('fastify-service-runner:lifecycle')

const ALLOWED: Readonly<Record<LifecycleState | 'new', readonly LifecycleState[]>> = {
  new: ['initiating'],
  initiating: ['initiated', 'failed'],
  initiated: ['starting', 'failed', 'shutting-down'],
  starting: ['running', 'completed', 'failed', 'shutting-down'],
  running: ['shutting-down', 'failed'],
  // A task whose run resolved: only its stop is left.
  completed: ['shutting-down'],
  'shutting-down': ['stopped', 'failed'],
  stopped: ['initiating'],
  failed: ['shutting-down', 'initiating'],
}

// Not frozen: slice() copies a frozen array on a slow path.
const ONE_LIFE: ReadonlyArray<undefined> = Array.from({ length: 12 }, () => undefined)

/** The transitions a timeline shows, the latest: a service that restarts for weeks would keep every one. */
export const TIMELINE_LIMIT = 100
// Older transitions are dropped this many at a time, not one by one.
const TRIM_EVERY = 20

/** Told of every transition, `at` epoch ms; `lifecycle.last()` builds its record (most listeners need only `to`). */
export interface TransitionListener {
  onTransition (lifecycle: Lifecycle, to: LifecycleState, error: Error | undefined, at: number): void
}

export class Lifecycle {
  readonly name: string
  #log: ServiceLog
  #now: () => number
  #created: number
  // The timeline, kept flat in one array (a service has many, and most are never read): each state
  // entered, then when, in ms since `#created` (small integers, which V8 keeps inline, where epoch
  // times would be a heap number each; whole milliseconds, so adding `#created` back is exact);
  // the errors of the failed ones by position. Sized for one life (six transitions): grown by push
  // from empty, V8 would give it room for 40. Copied from a blank one, which is several times
  // quicker than building it with Array.from for each service.
  #steps: Array<LifecycleState | number | undefined> = ONE_LIFE.slice()
  #length = 0
  #errors: Map<number, Error> | undefined
  // The first transition shown: 1 once older ones were dropped (the one before it stays, for its `from` and `duration`).
  #first = 0
  #restarts = 0
  #onTransition: TransitionListener | undefined
  #lastRecord: LifecycleTransition | undefined
  #topic: RunnerTopic<LifecycleTransition> | undefined

  /**
   * `created`: when the service was registered, epoch ms from `now` (its `registered` state began
   * then); `topic`: the runner's `fsr.lifecycle`, told of each transition while it has subscribers.
   */
  constructor (name: string, log: ServiceLog, onTransition?: TransitionListener, now: () => number = Date.now, created = now(), topic?: RunnerTopic<LifecycleTransition>) {
    this.name = name
    this.#log = log
    this.#now = now
    this.#created = created
    this.#onTransition = onTransition
    this.#topic = topic
  }

  get state (): LifecycleState | undefined {
    return this.#length === 0 ? undefined : this.#stateAt(this.#count - 1)
  }

  /** Milliseconds spent in `state` the last time the service left it; undefined if it never did. */
  durationOf (state: LifecycleState): number | undefined {
    for (let i = this.#count - 2; i >= 0; i--) {
      if (this.#stateAt(i) === state) return this.#timeAt(i + 1) - this.#timeAt(i)
    }
    return undefined
  }

  /** How many transitions there were. */
  get #count (): number {
    return this.#length >> 1
  }

  #stateAt (i: number): LifecycleState {
    return this.#steps[2 * i] as LifecycleState
  }

  /** When the `i`th transition happened, epoch ms. */
  #timeAt (i: number): number {
    return this.#created + (this.#steps[2 * i + 1] as number)
  }

  /**
   * Moves to `to` and returns when, epoch ms. `at` is for a move that follows another at once (in
   * the same synchronous run): it shares that one's time rather than reading the clock again.
   * A move the lifecycle does not allow is a bug in the runner and throws.
   */
  transition (to: LifecycleState, error?: Error, at: number = this.#now()): number {
    const from = this.state
    if (!ALLOWED[from ?? 'new'].includes(to)) this.#refuse(from, to)
    if (error !== undefined) (this.#errors ??= new Map()).set(this.#count, error)
    this.#steps[this.#length++] = to
    this.#steps[this.#length++] = at - this.#created
    if (to === 'initiating' && from !== undefined) this.#restarts++
    if (this.#count - this.#first > TIMELINE_LIMIT + TRIM_EVERY) this.#trim()
    this.#lastRecord = undefined
    // Thousands of services move six times each, and most moves are routine: what is rare (a
    // failure, a debug line, a diagnostics subscriber) is done apart, which keeps this small.
    if (error !== undefined || lifecycleChannel.hasSubscribers || this.#topic?.hasSubscribers === true || this.#log.isLevelEnabled('debug')) this.#announce(from, to, error)
    this.#onTransition?.onTransition(this, to, error, at)
    // Shared while this transition is told, then let go: each service kept its latest record alive.
    this.#lastRecord = undefined
    return at
  }

  /** Drops the oldest transitions but the one before the first of the latest TIMELINE_LIMIT. */
  #trim (): void {
    const dropped = this.#count - TIMELINE_LIMIT - 1
    this.#steps.splice(0, 2 * dropped)
    this.#length -= 2 * dropped
    this.#first = 1
    if (this.#errors !== undefined) {
      this.#errors = new Map([...this.#errors].filter(([i]) => i > dropped).map(([i, error]) => [i - dropped, error]))
    }
  }

  #refuse (from: LifecycleState | undefined, to: LifecycleState): never {
    throw new Error(`service "${this.name}": illegal lifecycle transition ${from ?? 'new'} -> ${to}`)
  }

  /** Logs the latest transition (failures as errors, the routine ones at debug) and publishes it, one record for the channel and the topic. */
  #announce (from: LifecycleState | undefined, to: LifecycleState, error: Error | undefined): void {
    const duration = from === undefined ? 0 : this.#timeAt(this.#count - 1) - this.#timeAt(this.#count - 2)
    // Failures are news; the routine steps are at debug (the boot summary tells them at info).
    if (error !== undefined) this.#log.log.error({ state: to, from, duration, err: error }, 'service state changed')
    else if (this.#log.isLevelEnabled('debug')) this.#log.log.debug({ state: to, from, duration }, 'service state changed')
    const topic = this.#topic?.hasSubscribers === true ? this.#topic : undefined
    if (!lifecycleChannel.hasSubscribers && topic === undefined) return
    const transition = this.last()
    if (lifecycleChannel.hasSubscribers) lifecycleChannel.publish(transition)
    topic?.publish(transition)
  }

  /** The record of the latest transition: built once for all who are told of it (the channel, the topic, the runner's hooks). */
  last (): LifecycleTransition {
    this.#lastRecord ??= this.#record(this.#count - 1)
    return this.#lastRecord
  }

  snapshot (): ServiceStateSnapshot {
    const timeline = Array.from({ length: this.#count - this.#first }, (_, i) => this.#record(this.#first + i))
    return Object.freeze({
      name: this.name,
      state: this.state ?? 'registered',
      since: this.#count === 0 ? this.#created : this.#timeAt(this.#count - 1),
      restarts: this.#restarts,
      timeline: Object.freeze(timeline),
    })
  }

  #record (i: number): LifecycleTransition {
    const from = i === 0 ? undefined : this.#stateAt(i - 1)
    const to = this.#stateAt(i)
    const at = this.#timeAt(i)
    const duration = i === 0 ? 0 : at - this.#timeAt(i - 1)
    const error = this.#errors?.get(i)
    return Object.freeze(error === undefined
      ? { service: this.name, from, to, at, duration }
      : { service: this.name, from, to, at, duration, error })
  }
}
