// The health of every service of one runner: what each reported (or its check found), what it
// derives from the services it follows, and the fan-out of every change to subscribers, the log
// and node:diagnostics_channel. `runner.health()` reads the aggregate from here.
import diagnostics from 'node:diagnostics_channel'
import { setMaxListeners } from 'node:events'
import type { Logger } from 'pino'
import type {
  AggregateHealth,
  HealthChange,
  HealthCheckResult,
  HealthEntry,
  HealthListener,
  HealthStatus,
  LifecycleState,
  ServiceHealth,
  ServiceHealthOptions,
} from '../types/index.ts'
import { FSR_ERR_INVALID_HEALTH, FSR_ERR_UNKNOWN_SERVICE, RUNNER_STOPPED } from './errors.ts'
import { combineStatus, deriveStatus } from './health-derive.ts'
import { HealthPoller } from './health-poller.ts'
import { readHealthReport, type HealthReport } from './health-report.ts'
import { redactUrlCredentials } from './redact-url-credentials.ts'
import type { ServiceLog } from './service-log.ts'
import { worstOf } from './health-status.ts'
import { watchHealth } from './health-watch.ts'
import type { RunnerTopic } from './topic-registry.ts'

/** Subscribers receive every `HealthChange` of every runner in the process. */
export const healthChannel = diagnostics.channel('fastify-service-runner:health')

/** What a passive check falls back to when its service sets no interval or timeout (ms). */
export interface HealthCheckDefaults {
  readonly interval: number
  readonly timeout: number
}

interface Subscription {
  readonly listener: HealthListener
  readonly log: Logger
  isActive: boolean
}

/** One entry of the registry; `add` returns it, and its service hands it back with each transition. */
export interface Source {
  readonly name: string
  /** As the service gave them (most give none: one shared empty object). */
  readonly options: ServiceHealthOptions
  /** Where changes are logged. */
  readonly logTo: ServiceLog
  /** Replaced, never changed in place, when a worker's entry is followed or removed. */
  follow: readonly string[]
  /** Services that follow this one: settled again whenever this one changes (made on first use, as `subscriptions`). */
  followers: Source[] | undefined
  subscriptions: Set<Subscription> | undefined
  own: HealthReport
  checkedAt: number | undefined
  entry: HealthEntry
  poller: HealthPoller | undefined
  handle: ServiceHealth | undefined
}

const NO_FOLLOW: readonly string[] = Object.freeze([])
const NO_SOURCES: readonly Source[] = Object.freeze([])
// The reports the lifecycle makes, shared: every service keeps its latest.
const UNKNOWN: HealthReport = Object.freeze({ status: 'unknown' })
const HEALTHY: HealthReport = Object.freeze({ status: 'healthy' })
const COMPLETED: HealthReport = Object.freeze({ status: 'healthy', detail: Object.freeze({ state: 'completed' }) })

const LOG_LEVEL: Readonly<Record<HealthStatus, 'info' | 'warn' | 'error'>> = { healthy: 'info', unknown: 'info', degraded: 'warn', unhealthy: 'error' }

export class HealthRegistry {
  #log: Logger
  #defaults: HealthCheckDefaults
  #now: () => number
  #sources = new Map<string, Source>()
  // Changes wait here while listeners run, so every listener hears every change in the same order.
  #queue: Array<() => void> = []
  #isDelivering = false

  /** Told of every passive check: its service, duration in ms, and whether it failed (threw, timed out, bad result). */
  readonly #onCheck: ((name: string, duration: number, isFailure: boolean) => void) | undefined
  /** The runner's `fsr.health`, told of each change while it has subscribers. */
  readonly #topic: RunnerTopic<HealthChange> | undefined

  // Aborted once the runner has stopped: every subscription ends, and one made later hears only the current entries.
  readonly #stopped = new AbortController()

  constructor (log: Logger, defaults: HealthCheckDefaults, now: () => number = Date.now, onCheck?: (name: string, duration: number, isFailure: boolean) => void, topic?: RunnerTopic<HealthChange>) {
    this.#log = log
    this.#defaults = defaults
    this.#now = now
    this.#onCheck = onCheck
    this.#topic = topic
    // One listener per health iteration still open, however many: no limit to warn at.
    setMaxListeners(0, this.#stopped.signal)
  }

  has (name: string): boolean {
    return this.#sources.has(name)
  }

  /**
   * Adds an entry (`unknown` since `since`, epoch ms); it may follow only entries added before it,
   * so follows never cycle.
   */
  add (name: string, options: ServiceHealthOptions, logTo: ServiceLog, since: number = this.#now()): Source {
    const follow = options.follow === undefined ? NO_FOLLOW : [...new Set(options.follow)]
    const followed = follow.length === 0 ? NO_SOURCES : follow.map((target) => this.#source(`service "${name}" health.follow`, target))
    const source: Source = {
      name,
      options,
      logTo,
      follow,
      followers: undefined,
      subscriptions: undefined,
      own: UNKNOWN,
      checkedAt: undefined,
      entry: Object.freeze({ status: 'unknown', since, checkedAt: undefined, critical: options.critical ?? true }),
      poller: undefined,
      handle: undefined,
    }
    this.#sources.set(name, source)
    for (const target of followed) (target.followers ??= []).push(source)
    if (follow.length > 0) this.#settle(source)
    return source
  }

  /** Makes `follower` follow `target` too: a worker's entry, added after the service that follows it. */
  addFollow (follower: string, target: string): void {
    const source = this.#source('health follow', follower)
    const followed = this.#source('health follow', target)
    source.follow = [...source.follow, target]
    ;(followed.followers ??= []).push(source)
    this.#settle(source)
  }

  /** Removes an entry (a worker's that ended): what followed it follows it no more and is settled again. */
  remove (name: string): void {
    const source = this.#source('health remove', name)
    source.poller?.stop()
    this.#sources.delete(name)
    for (const target of source.follow) {
      const followed = this.#sources.get(target)
      if (followed?.followers !== undefined) followed.followers = followed.followers.filter((follower) => follower !== source)
    }
    const followers = source.followers ?? []
    source.followers = undefined
    for (const follower of followers) {
      follower.follow = follower.follow.filter((target) => target !== name)
      this.#settle(follower)
    }
  }

  /** Gives the entry a passive check, polled while its service runs (see `onTransition`). */
  setCheck (name: string, check: () => HealthCheckResult | Promise<HealthCheckResult>): void {
    const source = this.#source('health', name)
    source.poller?.stop()
    const interval = source.options.interval ?? this.#defaults.interval
    const timeout = source.options.timeout ?? this.#defaults.timeout
    source.poller = new HealthPoller({ name, check, interval, timeout, onResult: (report, duration, isFailure) => {
      this.#onCheck?.(name, duration, isFailure)
      this.#record(source, report)
    } })
  }

  /** The handle of one entry: `ctx.health` of its service. */
  handle (name: string): ServiceHealth {
    const source = this.#source('health', name)
    source.handle ??= Object.freeze({
      report: (status: HealthStatus, detail?: unknown) => {
        this.#record(source, readHealthReport(`health.report() of service "${name}"`, status, detail))
      },
      get: (of: string = name) => this.get(of),
      subscribe: (names: string | readonly string[], listener: HealthListener) => this.subscribe(names, listener, source.logTo.log),
      watch: (names: string | readonly string[], options?: { readonly signal?: AbortSignal }) => this.watch(names, options, source.logTo.log),
    }) as ServiceHealth
    return source.handle
  }

  get (name: string): HealthEntry {
    return this.#source('health.get()', name).entry
  }

  /**
   * Calls `listener` with the current entry of each named service (`previous` undefined), then with
   * every change of them, in order. A listener that throws is logged; the others still hear the change.
   */
  subscribe (names: string | readonly string[], listener: HealthListener, log: Logger = this.#log): () => void {
    const sources = this.#named('health.subscribe()', names)
    if (typeof listener !== 'function') throw new FSR_ERR_INVALID_HEALTH('health.subscribe() listener', typeof listener, 'a function (change) => void')
    const subscription: Subscription = { listener, log, isActive: true }
    if (!this.#stopped.signal.aborted) for (const source of sources) (source.subscriptions ??= new Set()).add(subscription)
    const current = sources.map((source): HealthChange => Object.freeze({ service: source.name, previous: undefined, ...source.entry }))
    this.#enqueue(() => { for (const change of current) this.#call(subscription, change) })
    return () => {
      subscription.isActive = false
      for (const source of sources) source.subscriptions?.delete(subscription)
    }
  }

  /** `subscribe` as an async iterator; it ends when `signal` aborts or the loop is left, or once the runner has stopped (after the changes waiting for it). */
  watch (names: string | readonly string[], options: { readonly signal?: AbortSignal } = {}, log: Logger = this.#log): AsyncIterableIterator<HealthChange> {
    return watchHealth((listener) => this.subscribe(names, listener, log), [options.signal], this.#stopped.signal)
  }

  /** The runner has stopped: every subscription ends (the stop's own changes were told first). */
  end (): void {
    this.#stopped.abort(RUNNER_STOPPED)
    for (const source of this.#sources.values()) {
      for (const subscription of source.subscriptions ?? []) subscription.isActive = false
      source.subscriptions = undefined
    }
  }

  /**
   * Follows the lifecycle of the entry's service (`at`: when it moved, epoch ms): polls while
   * running, `unhealthy` on failure, `unknown` when a new life begins.
   */
  onTransition (source: Source, to: LifecycleState, error: Error | undefined, at: number): void {
    switch (to) {
      case 'initiating':
        source.poller?.stop()
        if (source.own.status !== 'unknown') this.#record(source, UNKNOWN, at)
        break
      case 'running':
        // Without a check, running is the only news there is: healthy, unless the service said otherwise.
        if (source.poller !== undefined) source.poller.start()
        else if (source.own.status === 'unknown') this.#record(source, HEALTHY, at)
        break
      case 'completed':
        // A task that did its work is fine for good: it never holds the process back.
        this.#record(source, COMPLETED, at)
        break
      case 'shutting-down':
      case 'stopped':
        source.poller?.stop()
        break
      case 'failed': {
        source.poller?.stop()
        const code = (error as { code?: unknown } | undefined)?.code
        this.#record(source, {
          status: 'unhealthy',
          // Shown on the open admin endpoints: no credentials from a connection URL in the message.
          reason: error === undefined ? 'service failed' : redactUrlCredentials(error.message),
          detail: { state: 'failed', ...(typeof code === 'string' ? { code } : {}) },
        }, at)
        break
      }
    }
  }

  /** Every entry, the overall status (the worst of the critical ones), liveness and readiness. */
  aggregate (ready: boolean): AggregateHealth {
    const services: Record<string, HealthEntry> = {}
    for (const [name, source] of this.#sources) services[name] = source.entry
    const critical = [...this.#sources.values()].filter((source) => source.entry.critical).map((source) => source.entry.status)
    // Liveness is this process answering at all: it never depends on another service.
    return Object.freeze({ status: worstOf(critical), live: true, ready, services: Object.freeze(services) })
  }

  #source (where: string, name: string): Source {
    const source = this.#sources.get(name)
    if (source === undefined) {
      const known = this.#sources.size === 0 ? 'none' : [...this.#sources.keys()].join(', ')
      throw new FSR_ERR_UNKNOWN_SERVICE(where, String(name), known)
    }
    return source
  }

  #named (where: string, names: string | readonly string[]): Source[] {
    const list = typeof names === 'string' ? [names] : names
    if (!Array.isArray(list) || list.length === 0) {
      throw new FSR_ERR_INVALID_HEALTH(`${where} names`, Array.isArray(list) ? 'an empty array' : typeof list, 'a service name or a non-empty array of names')
    }
    return [...new Set(list as string[])].map((name) => this.#source(where, name))
  }

  #record (source: Source, report: HealthReport, at: number = this.#now()): void {
    source.own = report
    source.checkedAt = at
    this.#settle(source, at)
  }

  /** Recomputes one entry from its own report and what it follows; on a change, tells everyone. */
  #settle (source: Source, at: number = this.#now()): void {
    const { own } = source
    const derived = this.#derive(source)
    const status = derived === undefined ? own.status : combineStatus(own.status, derived.status)
    // When following decided the status, following explains it.
    const explained = derived !== undefined && status !== own.status ? derived : own
    const previous = source.entry
    const since = status === previous.status ? previous.since : at
    const { checkedAt } = source
    const { critical } = previous
    // Most entries say no more than their status (every service turning healthy as it starts):
    // one literal shape for them, where the spreads would build the object property by property.
    source.entry = Object.freeze(explained.reason === undefined && explained.detail === undefined && derived === undefined
      ? { status, since, checkedAt, critical }
      : {
          status,
          since,
          checkedAt,
          critical,
          ...(explained.reason === undefined ? {} : { reason: explained.reason }),
          ...(explained.detail === undefined ? {} : { detail: explained.detail }),
          ...(derived === undefined ? {} : { derived: derived.status }),
        })
    // A change is a new status or a new reason; the same again only refreshes checkedAt and detail.
    if (status === previous.status && explained.reason === previous.reason) return

    const { entry } = source
    // The first `healthy` of a service that starts is routine: the boot summary tells it at info.
    const level = status === 'healthy' && previous.status === 'unknown' ? 'debug' : LOG_LEVEL[status]
    const { logTo } = source
    if (logTo.isLevelEnabled(level)) logTo.log[level]({ status, previous: previous.status, reason: entry.reason, detail: entry.detail }, 'service health changed')
    const hasSubscriptions = source.subscriptions !== undefined && source.subscriptions.size > 0
    // Most changes (every service turning healthy as it starts) have no one to hear them: no record then.
    const topic = this.#topic?.hasSubscribers === true ? this.#topic : undefined
    if (healthChannel.hasSubscribers || hasSubscriptions || topic !== undefined) {
      const change: HealthChange = Object.freeze({ service: source.name, previous: previous.status, ...entry })
      if (healthChannel.hasSubscribers) healthChannel.publish(change)
      topic?.publish(change)
      if (hasSubscriptions) {
        const subscriptions = [...source.subscriptions as Set<Subscription>]
        this.#enqueue(() => { for (const subscription of subscriptions) this.#call(subscription, change) })
      }
    }
    if (source.followers !== undefined) for (const follower of source.followers) this.#settle(follower, at)
  }

  #derive (source: Source): HealthReport | undefined {
    if (source.follow.length === 0) return undefined
    const statuses: Record<string, HealthStatus> = {}
    for (const name of source.follow) statuses[name] = (this.#sources.get(name) as Source).entry.status
    const { status, error } = deriveStatus(Object.freeze(statuses), source.options)
    if (error !== undefined) source.logTo.log.error({ err: error }, 'health derive failed')
    const hurt = Object.entries(statuses).filter(([, followed]) => followed === 'degraded' || followed === 'unhealthy')
    const reason = hurt.length === 0 ? undefined : `follows ${hurt.map(([name, followed]) => `${name} (${followed})`).join(', ')}`
    return { status, ...(reason === undefined ? {} : { reason }), detail: { follows: statuses } }
  }

  #enqueue (task: () => void): void {
    this.#queue.push(task)
    if (this.#isDelivering) return
    this.#isDelivering = true
    try {
      for (let next = this.#queue.shift(); next !== undefined; next = this.#queue.shift()) next()
    } finally {
      this.#isDelivering = false
    }
  }

  #call (subscription: Subscription, change: HealthChange): void {
    if (!subscription.isActive) return
    try {
      subscription.listener(change)
    } catch (err) {
      subscription.log.error({ err, changed: change.service, status: change.status }, 'health listener failed')
    }
  }
}
