// Health: statuses, entries, reports, subscriptions and the aggregate (types only; see docs/health.md).

/**
 * The health of a service, from best to worst: `healthy`, `unknown` (nothing reported yet),
 * `degraded` (serving, but impaired), `unhealthy` (cannot do its job).
 */
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy' | 'unknown'

/** Facts that go with a report. `reason` (a short, stable sentence) becomes the entry's `reason`; the other fields its `detail`. */
export interface HealthDetail {
  readonly reason?: string
  readonly [key: string]: unknown
}

/** What a passive `check` returns: a status, or a status with its detail. A throw or a timeout counts as `unhealthy`. */
export type HealthCheckResult = HealthStatus | { readonly status: HealthStatus, readonly detail?: HealthDetail }

/** The recorded health of one service (or of a health-only entry such as the built-in `process`). */
export interface HealthEntry {
  readonly status: HealthStatus
  /** Epoch milliseconds since the status is what it is (or since the entry was added, while `unknown`). */
  readonly since: number
  /** Epoch milliseconds of the last report or check, also one that changed nothing; undefined before the first. */
  readonly checkedAt: number | undefined
  /** Why the status is what it is (a failed check's error message, the followed services that are hurt, ...). */
  readonly reason?: string
  /** The other fields of the last report's detail. */
  readonly detail?: Readonly<Record<string, unknown>>
  /** For a service that follows others: the status derived from them, before it is combined with its own. */
  readonly derived?: HealthStatus
  /** Whether the entry counts in the overall status. Default: `true`. */
  readonly critical: boolean
}

/** One health change (or, first, the current entry) as delivered to subscribers and on the `fastify-service-runner:health` diagnostics channel. */
export interface HealthChange extends HealthEntry {
  /** The service whose health this is. */
  readonly service: string
  /** The status before the change; `undefined` for the current entry delivered when subscribing. */
  readonly previous: HealthStatus | undefined
}

/** Receives health changes; a throw is logged and does not keep the change from other listeners. */
export type HealthListener = (change: HealthChange) => void

/** `ctx.health` (also `app.service.health`): push this service's health and follow others'. */
export interface ServiceHealth {
  /**
   * Records this service's status; subscribers hear a change at once. A change is a new status or a
   * new reason: a report with the same status and reason only refreshes `checkedAt` and `detail`.
   * Throws `FSR_ERR_INVALID_HEALTH` for a status or detail it does not accept. Through the `ctx` of a
   * life that has ended (or an ended worker's `health`), it changes nothing.
   */
  report (status: HealthStatus, detail?: HealthDetail): void
  /** The current entry of `name` (default: this service). Throws `FSR_ERR_UNKNOWN_SERVICE` for an unknown name. */
  get (name?: string): HealthEntry
  /**
   * Delivers the current entry of each named service, then every change of them, in order; returns
   * the unsubscribe function. Through `ctx.health` (or a worker's `health`) it also ends when that
   * service's life (or the worker) ends. Throws `FSR_ERR_UNKNOWN_SERVICE` for a name that is not registered.
   */
  subscribe (names: string | readonly string[], listener: HealthListener): () => void
  /** `subscribe` as an async iterator; the iteration ends when `signal` aborts or the loop is left (or, as `subscribe`, with the life). */
  watch (names: string | readonly string[], options?: { readonly signal?: AbortSignal }): AsyncIterableIterator<HealthChange>
}

/** Passive health checks, for every service (runner option) or one (service option). */
export interface HealthOptions {
  /** Milliseconds from the end of one `check` to the start of the next. Default: `30 000`, env `FSR_HEALTH_INTERVAL`. */
  readonly interval?: number
  /** Limit of one `check` in milliseconds (`0` = none); past it the service is `unhealthy`. Default: `5 000`, env `FSR_HEALTH_TIMEOUT`. */
  readonly timeout?: number
}

/** How one service's health is checked, derived and counted: `unhealthyWhen` or `derive`, not both. */
export type ServiceHealthOptions = ServiceHealthCommon & (DerivedByRule | DerivedByFunction)

/** The fields of `ServiceHealthOptions` besides its derivation rule. */
export interface ServiceHealthCommon extends HealthOptions {
  /** Whether the service counts in `runner.health().status`. Default: `true`. */
  readonly critical?: boolean
  /**
   * Services (registered before this one) whose health this one follows; its status is then the
   * worse of its own and the one derived from them. Default: `[]`.
   */
  readonly follow?: readonly string[]
}

/** A follower's health derived by the built-in rule. */
export interface DerivedByRule {
  /**
   * The derivation rule: the follower is `degraded` when a followed service is degraded or
   * unhealthy, and `unhealthy` only when `any` (one of them) or `all` (every one of them) is
   * unhealthy. Default: `'never'` (a follower is at worst `degraded` because of what it follows).
   */
  readonly unhealthyWhen?: 'never' | 'any' | 'all'
  readonly derive?: undefined
}

/** A follower's health derived by a function of its own. */
export interface DerivedByFunction {
  /** Replaces the rule: the followed services' statuses by name → the derived status. Not with `unhealthyWhen`. */
  readonly derive: (statuses: Readonly<Record<string, HealthStatus>>) => HealthStatus
  readonly unhealthyWhen?: undefined
}

/** The health of the whole process, as returned by `runner.health()`. */
export interface AggregateHealth {
  /** The worst status among the critical entries (`healthy` when there are none). */
  readonly status: HealthStatus
  /** Liveness: true while this process answers; never depends on another service. */
  readonly live: boolean
  /** Readiness: false before `start()` completed, during drain and shutdown. */
  readonly ready: boolean
  /** Every entry by name, services in registration order (health-only entries such as `process` among them). */
  readonly services: Readonly<Record<string, HealthEntry>>
}
