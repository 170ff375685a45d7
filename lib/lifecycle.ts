// The lifecycle of one service: its current state, every transition with its time and duration,
// and the fan-out of each transition to the log and to node:diagnostics_channel.
import diagnostics from 'node:diagnostics_channel'
import type { Logger } from 'pino'
import type { LifecycleState, LifecycleTransition, ServiceStateSnapshot } from '../types/index.ts'

/** Subscribers receive every `LifecycleTransition` of every runner in the process. */
export const lifecycleChannel = diagnostics.channel('fastify-service-runner:lifecycle')

const ALLOWED: Readonly<Record<LifecycleState | 'new', readonly LifecycleState[]>> = {
  new: ['initiating'],
  initiating: ['initiated', 'failed'],
  initiated: ['starting', 'failed', 'shutting-down'],
  starting: ['running', 'failed', 'shutting-down'],
  running: ['shutting-down', 'failed'],
  'shutting-down': ['stopped', 'failed'],
  stopped: ['initiating'],
  failed: ['shutting-down', 'initiating'],
}

export class Lifecycle {
  readonly name: string
  #log: Logger
  #now: () => number
  #state: LifecycleState | undefined
  #since: number
  #timeline: LifecycleTransition[] = []
  #onTransition: ((transition: LifecycleTransition) => void) | undefined

  constructor (name: string, log: Logger, onTransition?: (transition: LifecycleTransition) => void, now: () => number = Date.now) {
    this.name = name
    this.#log = log
    this.#now = now
    this.#since = now()
    this.#onTransition = onTransition
  }

  get state (): LifecycleState | undefined {
    return this.#state
  }

  /** Milliseconds spent in `to` the last time the service left it; undefined if it never did. */
  durationOf (state: LifecycleState): number | undefined {
    for (let i = this.#timeline.length - 1; i >= 0; i--) {
      const transition = this.#timeline[i]
      if (transition.from === state) return transition.duration
    }
    return undefined
  }

  /** Moves to `to`; a move the lifecycle does not allow is a bug in the runner and throws. */
  transition (to: LifecycleState, error?: Error): LifecycleTransition {
    const from = this.#state
    if (!ALLOWED[from ?? 'new'].includes(to)) {
      throw new Error(`service "${this.name}": illegal lifecycle transition ${from ?? 'new'} -> ${to}`)
    }
    const at = this.#now()
    const duration = from === undefined ? 0 : at - this.#since
    const transition: LifecycleTransition = Object.freeze(error === undefined
      ? { service: this.name, from, to, at, duration }
      : { service: this.name, from, to, at, duration, error })
    this.#state = to
    this.#since = at
    this.#timeline.push(transition)

    if (error !== undefined) this.#log.error({ state: to, from, duration, err: error }, 'service state changed')
    else if (this.#log.isLevelEnabled('info')) this.#log.info({ state: to, from, duration }, 'service state changed')
    if (lifecycleChannel.hasSubscribers) lifecycleChannel.publish(transition)
    this.#onTransition?.(transition)
    return transition
  }

  snapshot (): ServiceStateSnapshot {
    return Object.freeze({
      name: this.name,
      state: this.#state ?? 'registered',
      since: this.#since,
      timeline: Object.freeze([...this.#timeline]),
    })
  }
}
