// The watchers of `ctx.watch` and `runner.watch`: wait for, or follow, the lifecycle of services.
import type { LifecycleState, LifecycleTransition } from './index.ts'

/** What `watch.until` waits for: every named service in `state` (`all`), or at least one of them (`any`). */
export type WatchCondition =
  | { readonly all: readonly string[], readonly state: LifecycleState, readonly any?: never }
  | { readonly any: readonly string[], readonly state: LifecycleState, readonly all?: never }

/** How long `watch.until` waits. */
export interface WatchUntilOptions {
  /** Aborting it rejects the wait with `FSR_ERR_WATCH_ABORTED` (the signal's reason as `cause`). Default: none. */
  readonly signal?: AbortSignal
  /** Milliseconds before the wait rejects with `FSR_ERR_WATCH_TIMEOUT`; `0` waits without limit. Default: `0`. */
  readonly timeout?: number
}

/** Which services `watch.states` follows. */
export interface WatchStatesOptions {
  /** Only these services. Default: every service. */
  readonly include?: readonly string[]
  /** Not these services (applied after `include`). Default: none. */
  readonly exclude?: readonly string[]
  /** Aborting it ends the iteration. Default: none. */
  readonly signal?: AbortSignal
}

/** Which transitions `watch.any` yields: exactly one of `entering`, `exiting` or `notIn`. */
export type WatchAnyOptions = { readonly signal?: AbortSignal } & (
  /** Transitions into this state. */
  | { readonly entering: LifecycleState, readonly exiting?: never, readonly notIn?: never }
  /** Transitions out of this state. */
  | { readonly exiting: LifecycleState, readonly entering?: never, readonly notIn?: never }
  /** Transitions into any state but this one. */
  | { readonly notIn: LifecycleState, readonly entering?: never, readonly exiting?: never }
)

/**
 * Waits for and follows the lifecycle of services (`ctx.watch`, `runner.watch`). Iterators first
 * yield each service's latest transition (its current state; a service not yet loading has none),
 * then its transitions as they happen. A consumer slower than the services gets the latest
 * transition of each service and misses the ones in between: the runner never waits for it.
 * Names not registered are refused with `FSR_ERR_UNKNOWN_SERVICE`. On `ctx.watch`, every wait
 * and iteration also ends when the service's own `ctx.signal` aborts (it begins to stop).
 */
export interface LifecycleWatch {
  /**
   * Resolves, with the names of the services in `state`, as soon as the condition holds: at once
   * when it already does. Rejects with `FSR_ERR_WATCH_TIMEOUT` after `timeout` ms, with
   * `FSR_ERR_WATCH_ABORTED` when `signal` aborts, or when the runner has stopped with the condition not holding.
   */
  until (condition: WatchCondition, options?: WatchUntilOptions): Promise<readonly string[]>
  /**
   * Every transition of the services chosen (default: all); ends when `signal` aborts or the loop
   * is left, and once the runner has stopped, after the transitions still waiting for the consumer.
   */
  states (options?: WatchStatesOptions): AsyncIterableIterator<LifecycleTransition>
  /** The transitions of the named services that enter, exit or are not in a state; ends as `states` does. */
  any (names: string | readonly string[], options: WatchAnyOptions): AsyncIterableIterator<LifecycleTransition>
}
