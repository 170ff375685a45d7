// `runner.watch` and `ctx.watch`: waiting for a condition on services' states, and following their
// transitions as async iterators that keep the latest transition per service for slow consumers.
import { setMaxListeners } from 'node:events'
import type {
  LifecycleState,
  LifecycleTransition,
  LifecycleWatch,
  WatchAnyOptions,
  WatchCondition,
  WatchStatesOptions,
  WatchUntilOptions,
} from '../types/index.ts'
import { FSR_ERR_INVALID_ARGUMENT, FSR_ERR_UNKNOWN_SERVICE, FSR_ERR_WATCH_ABORTED, FSR_ERR_WATCH_TIMEOUT, RUNNER_STOPPED } from './errors.ts'
import type { Lifecycle } from './lifecycle.ts'
import { iterateMailbox, latestMailbox } from './mailbox-iterator.ts'
import { describe } from './options.ts'
import { ServiceSignal } from './service-signal.ts'

/** The runner's services, as the watchers read them. */
export interface WatchedServices {
  /** The lifecycle of a registered service; undefined for a name that is not one. */
  lifecycle (name: string): Lifecycle | undefined
  names (): Iterable<string>
}

type Watcher = (transition: LifecycleTransition) => void

// An object, not a list, so the compiler tells when LifecycleState gains a state.
const STATES: Readonly<Record<LifecycleState, true>> = {
  initiating: true, initiated: true, starting: true, running: true, completed: true, 'shutting-down': true, stopped: true, failed: true,
}
const STATE_LIST = Object.keys(STATES).map((state) => `"${state}"`).join(', ')

function isState (value: unknown): value is LifecycleState {
  return typeof value === 'string' && Object.hasOwn(STATES, value)
}

function isObject (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/**
 * Every watcher of one runner. It is one of the runner's onTransition hooks while it has watchers,
 * and none when it has not: without watchers, transitions cost nothing more.
 */
export class LifecycleWatchHub {
  /** `runner.watch`. */
  readonly api: LifecycleWatch
  #services: WatchedServices
  #hooks: Array<(transition: LifecycleTransition) => void>
  #byService = new Map<string, Set<Watcher>>()
  #everyService = new Set<Watcher>()
  #size = 0
  #isHooked = false
  #scoped = new WeakMap<object, LifecycleWatch>()
  // Aborted once the runner stopped: no transition comes any more.
  #stopped = new AbortController()
  #deliver = (transition: LifecycleTransition): void => {
    const watchers = this.#byService.get(transition.service)
    if (watchers !== undefined) for (const watcher of watchers) watcher(transition)
    for (const watcher of this.#everyService) watcher(transition)
  }

  /** `hooks`: the runner's onTransition hooks, which the hub joins and leaves. */
  constructor (services: WatchedServices, hooks: Array<(transition: LifecycleTransition) => void>) {
    this.#services = services
    this.#hooks = hooks
    this.api = this.#bind(undefined)
    // One listener per wait or iteration under way, however many: no limit to warn at.
    setMaxListeners(0, this.#stopped.signal)
  }

  /**
   * The runner stopped: every iteration yields what waits for its consumer, then is done; a wait
   * whose condition does not hold rejects (FSR_ERR_WATCH_ABORTED), as one begun from now on does.
   */
  end (): void {
    this.#stopped.abort(RUNNER_STOPPED)
  }

  /** Watchers registered now (waits and iterations not yet ended). */
  get size (): number {
    return this.#size
  }

  /** `ctx.watch` of a service: every wait and iteration also ends when its `signal` aborts. */
  of (owner: { readonly signal: AbortSignal }): LifecycleWatch {
    let watch = this.#scoped.get(owner)
    if (watch === undefined) {
      watch = this.#bind(new ServiceSignal(owner))
      this.#scoped.set(owner, watch)
    }
    return watch
  }

  #bind (service: ServiceSignal | undefined): LifecycleWatch {
    return Object.freeze({
      until: (condition: WatchCondition, options?: WatchUntilOptions) => this.#until(condition, options, service),
      states: (options?: WatchStatesOptions) => this.#states(options, service),
      any: (names: string | readonly string[], options: WatchAnyOptions) => this.#any(names, options, service),
    })
  }

  #until (condition: WatchCondition, options: WatchUntilOptions = {}, service: ServiceSignal | undefined): Promise<readonly string[]> {
    let mode: 'all' | 'any'
    let names: string[]
    let state: LifecycleState
    let signal: AbortSignal | undefined
    let timeout: number
    try {
      const hasAll = isObject(condition) && condition.all !== undefined
      const hasAny = isObject(condition) && condition.any !== undefined
      if (!isObject(condition) || hasAll === hasAny || !isState(condition.state)) {
        throw new FSR_ERR_INVALID_ARGUMENT('watch.until() condition', isObject(condition) ? JSON.stringify(condition) : describe(condition),
          `{ all: [names], state } or { any: [names], state }, state one of ${STATE_LIST}`)
      }
      mode = hasAll ? 'all' : 'any'
      names = this.#named('watch.until()', condition[mode])
      state = condition.state
      signal = this.#readOptions('watch.until()', options, ['timeout'])
      timeout = options.timeout ?? 0
      if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 0) {
        throw new FSR_ERR_INVALID_ARGUMENT('watch.until() timeout', describe(timeout), 'undefined, 0 (no limit) or a finite number of milliseconds above 0')
      }
    } catch (err) {
      return Promise.reject(err)
    }
    const what = `${mode} of ${names.join(', ')} in "${state}"`
    const signals = this.#signals(service, signal)
    // Read and subscribed in one synchronous step: no transition can fall between the two.
    const inState = new Set(names.filter((name) => this.#services.lifecycle(name)?.state === state))
    const holds = (): boolean => mode === 'all' ? inState.size === names.length : inState.size > 0
    // After the runner stopped, a condition that holds still resolves: only a wait is refused.
    if (!holds()) signals.push(this.#stopped.signal)
    const aborted = signals.find((each) => each.aborted)
    if (aborted !== undefined || holds()) {
      service?.release()
      return aborted === undefined ? Promise.resolve(names.filter((name) => inState.has(name))) : Promise.reject(new FSR_ERR_WATCH_ABORTED(what, { cause: aborted.reason }))
    }
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      const onAbort = (event: Event): void => {
        finish()
        reject(new FSR_ERR_WATCH_ABORTED(what, { cause: (event.target as AbortSignal).reason }))
      }
      const finish = (): void => {
        unsubscribe()
        clearTimeout(timer)
        for (const each of signals) each.removeEventListener('abort', onAbort)
        service?.release()
      }
      const unsubscribe = this.#subscribe(names, (transition) => {
        if (transition.to === state) inState.add(transition.service)
        else inState.delete(transition.service)
        if (!holds()) return
        finish()
        resolve(names.filter((name) => inState.has(name)))
      })
      for (const each of signals) each.addEventListener('abort', onAbort, { once: true })
      if (timeout > 0) {
        timer = setTimeout(() => {
          finish()
          const now = names.map((name) => `${name} ${this.#services.lifecycle(name)?.state ?? 'registered'}`).join(', ')
          reject(new FSR_ERR_WATCH_TIMEOUT(what, timeout, now))
        }, timeout)
      }
    })
  }

  #states (options: WatchStatesOptions = {}, service: ServiceSignal | undefined): AsyncIterableIterator<LifecycleTransition> {
    const signal = this.#readOptions('watch.states()', options, ['include', 'exclude'])
    const include = options.include === undefined ? undefined : this.#named('watch.states() include', options.include)
    const exclude = options.exclude === undefined ? undefined : new Set(this.#named('watch.states() exclude', options.exclude))
    const names = (include ?? [...this.#services.names()]).filter((name) => exclude?.has(name) !== true)
    const isWatched = exclude === undefined ? undefined : (transition: LifecycleTransition): boolean => !exclude.has(transition.service)
    return this.#iterate(include === undefined ? undefined : names, names, isWatched, service, signal)
  }

  #any (names: string | readonly string[], options: WatchAnyOptions, service: ServiceSignal | undefined): AsyncIterableIterator<LifecycleTransition> {
    const list = this.#named('watch.any()', names)
    const signal = this.#readOptions('watch.any()', options, ['entering', 'exiting', 'notIn'])
    const given = (['entering', 'exiting', 'notIn'] as const).filter((key) => options[key] !== undefined)
    const key = given[0]
    const state = key === undefined ? undefined : options[key]
    if (given.length !== 1 || !isState(state)) {
      throw new FSR_ERR_INVALID_ARGUMENT('watch.any() options', JSON.stringify(options), `exactly one of entering, exiting or notIn, a state: ${STATE_LIST}`)
    }
    const matches = key === 'entering'
      ? (transition: LifecycleTransition) => transition.to === state
      : key === 'exiting'
        ? (transition: LifecycleTransition) => transition.from === state
        : (transition: LifecycleTransition) => transition.to !== state
    return this.#iterate(list, list, matches, service, signal)
  }

  /**
   * An iterator of the transitions of `watched` (undefined: every service, also those registered
   * later) that pass `filter`; first the latest transition of each of `current` that does.
   */
  #iterate (
    watched: readonly string[] | undefined,
    current: readonly string[],
    filter: ((transition: LifecycleTransition) => boolean) | undefined,
    service: ServiceSignal | undefined,
    signal: AbortSignal | undefined,
  ): AsyncIterableIterator<LifecycleTransition> {
    const signals = this.#signals(service, signal)
    const subscribe = (put: (transition: LifecycleTransition) => void): () => void => {
      const watcher: Watcher = filter === undefined ? put : (transition) => { if (filter(transition)) put(transition) }
      const unsubscribe = watched === undefined ? this.#subscribeAll(watcher) : this.#subscribe(watched, watcher)
      for (const name of current) {
        const lifecycle = this.#services.lifecycle(name)
        if (lifecycle?.state !== undefined) watcher(lifecycle.last())
      }
      return () => {
        unsubscribe()
        service?.release()
      }
    }
    return iterateMailbox(subscribe, latestMailbox((transition: LifecycleTransition) => transition.service), signals, this.#stopped.signal)
  }

  /** Checks the names (a name or a non-empty array of registered names); returns them once each. */
  #named (where: string, names: unknown): string[] {
    const list = typeof names === 'string' ? [names] : names
    if (!Array.isArray(list) || list.length === 0) {
      throw new FSR_ERR_INVALID_ARGUMENT(`${where} names`, Array.isArray(list) ? 'an empty array' : describe(list), 'a service name or a non-empty array of names')
    }
    const unique = [...new Set(list as unknown[])]
    for (const name of unique) {
      if (typeof name !== 'string' || this.#services.lifecycle(name) === undefined) {
        const known = [...this.#services.names()]
        throw new FSR_ERR_UNKNOWN_SERVICE(where, String(name), known.length === 0 ? 'none' : known.join(', '))
      }
    }
    return unique as string[]
  }

  /** Checks an options object: only `signal` and `keys`; returns the signal. */
  #readOptions (where: string, options: unknown, keys: readonly string[]): AbortSignal | undefined {
    const accepted = `undefined or { ${[...keys, 'signal'].join(', ')} } with signal an AbortSignal`
    if (!isObject(options)) throw new FSR_ERR_INVALID_ARGUMENT(`${where} options`, describe(options), accepted)
    const unknown = Object.keys(options).filter((key) => key !== 'signal' && !keys.includes(key))
    const { signal } = options
    if (unknown.length > 0 || (signal !== undefined && !(signal instanceof AbortSignal))) {
      throw new FSR_ERR_INVALID_ARGUMENT(`${where} options`, unknown.length > 0 ? `unknown key ${unknown.join(', ')}` : `signal ${describe(signal)}`, accepted)
    }
    return signal
  }

  /** What a new watcher ends on: its service's signal (which it then holds until it ends), and the caller's. */
  #signals (service: ServiceSignal | undefined, signal: AbortSignal | undefined): AbortSignal[] {
    const signals = service === undefined ? [] : [service.acquire()]
    if (signal !== undefined) signals.push(signal)
    return signals
  }

  #subscribe (names: readonly string[], watcher: Watcher): () => void {
    for (const name of names) {
      let watchers = this.#byService.get(name)
      if (watchers === undefined) this.#byService.set(name, watchers = new Set())
      watchers.add(watcher)
    }
    this.#added()
    let isActive = true
    return () => {
      if (!isActive) return
      isActive = false
      for (const name of names) {
        const watchers = this.#byService.get(name)
        if (watchers?.delete(watcher) === true && watchers.size === 0) this.#byService.delete(name)
      }
      this.#removed()
    }
  }

  #subscribeAll (watcher: Watcher): () => void {
    this.#everyService.add(watcher)
    this.#added()
    return () => {
      if (this.#everyService.delete(watcher)) this.#removed()
    }
  }

  #added (): void {
    this.#size++
    if (this.#isHooked) return
    this.#isHooked = true
    this.#hooks.push(this.#deliver)
  }

  #removed (): void {
    this.#size--
    if (this.#size > 0) return
    // Later, not now: this may run inside the runner's loop over its hooks, which a removal would skip one of.
    queueMicrotask(() => {
      if (this.#size > 0 || !this.#isHooked) return
      this.#isHooked = false
      this.#hooks.splice(this.#hooks.indexOf(this.#deliver), 1)
    })
  }
}
