// The public contract of fastify-service-runner: types only, no runtime code.
// lib/ and plugins/ import their shapes from here so code and contract cannot drift apart.
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyPluginAsync,
  FastifyPluginCallback,
  FastifyPluginOptions,
  FastifyTypeProvider,
  FastifyTypeProviderDefault,
  RawServerBase,
  RawServerDefault,
  RegisterOptions as FastifyRegisterOptions,
} from 'fastify'
import type { Meter, Tracer } from '@opentelemetry/api'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { AggregateHealth, HealthCheckResult, ServiceHealth, ServiceHealthOptions } from './health.ts'
import type { PrestartStage } from './prestart.ts'
import type { RestartEvent, RestartOptions, RestartStatus } from './restart.ts'
import type { Topics } from './topics.ts'
import type { LifecycleWatch } from './watch.ts'
import type { WorkerContext, WorkerContextWithHealth, WorkerOptions, WorkerSnapshot } from './worker.ts'

export type * from './builtin-options.ts'
export type * from './errors.ts'
export type * from './health.ts'
export type * from './options.ts'
export type * from './prestart.ts'
export type * from './restart.ts'
export type * from './topics.ts'
export type * from './watch.ts'
export type * from './worker.ts'

/**
 * The lifecycle states of a service, in boot order, plus `failed`, and `completed`: a task
 * (`once: true`) whose `run` resolved (it goes `starting -> completed`, never `running`).
 */
export type LifecycleState =
  | 'initiating'
  | 'initiated'
  | 'starting'
  | 'running'
  | 'completed'
  | 'shutting-down'
  | 'stopped'
  | 'failed'

/** The phases in which a service's own code runs; named in errors and timeouts. */
export type ServicePhase = 'init' | 'run' | 'ready' | 'drain' | 'stop'

/** One state change of one service. Published on the `fastify-service-runner:lifecycle` diagnostics channel. */
export interface LifecycleTransition {
  readonly service: string
  /** `undefined` for the first transition (`initiating`). */
  readonly from: LifecycleState | undefined
  readonly to: LifecycleState
  /** Epoch milliseconds of the change. */
  readonly at: number
  /** Milliseconds spent in `from` (0 for the first transition). */
  readonly duration: number
  /** Set when the transition is caused by a failure. */
  readonly error?: Error
}

/** The current state of one service, as returned by `runner.states()`. */
export interface ServiceStateSnapshot {
  readonly name: string
  /** `registered` until the service's plugin begins to load. */
  readonly state: LifecycleState | 'registered'
  /** Epoch milliseconds of the last transition (or of registration). */
  readonly since: number
  /** How many times the service began a new life (a restart began), the dropped part of its timeline included. */
  readonly restarts: number
  /** Its transitions, oldest first: every one, or the latest 100 once there were more (older ones are dropped). */
  readonly timeline: readonly LifecycleTransition[]
  /** Where the service's restart policy stands; only for a service with `restart`. */
  readonly restart?: RestartStatus
  /** The workers of the service's latest life (`ctx.child()`), nested ones included, in the order made; only when it made any. */
  readonly workers?: readonly WorkerSnapshot[]
}

/** Per-phase time limits of a service, in milliseconds. `0` disables that limit. */
export interface ServiceTimeouts {
  /** Limit for `init` (and, for a plain plugin, loading the plugin). Default: runner's `timeouts.init` (10 000). */
  readonly init?: number
  /** Limit for `ready` to resolve truthy, or for the `run` of a task (`once: true`) to resolve. Default: runner's `timeouts.ready` (10 000). */
  readonly ready?: number
  /** Limit for `stop`, then for `run` to settle. Default: runner's `timeouts.stop` (10 000). */
  readonly stop?: number
}

/**
 * The handle every service gets: passed as `ctx` to each hook of a `defineService`
 * definition, and reachable as `app.service` inside a plugin registered as a service.
 * `App` is the type of `app`: Fastify's, with what the services in `dependsOn` decorate.
 */
export interface ServiceContext<App extends FastifyInstance = FastifyInstance> {
  /** The service's unique name. */
  readonly name: string
  /** The Fastify instance the service's plugin runs in. */
  readonly app: App
  /** A pino child logger carrying `service: name`. */
  readonly log: Logger
  /** Aborted when the service begins to stop; `run` must honour it. */
  readonly signal: AbortSignal
  /**
   * The runner's own prom-client registry: create the service's metrics on it
   * (`new Counter({ ..., registers: [ctx.metrics] })`); the admin server's `/metrics` serves it.
   */
  readonly metrics: Registry
  /** Where this process stands in the chain of zero-downtime upgrades. */
  readonly upgrade: UpgradeInfo
  /** Push this service's health, read and follow others'. */
  readonly health: ServiceHealth
  /** Wait for and follow services' lifecycles; every wait and iteration also ends when this service begins to stop (`signal`). */
  readonly watch: LifecycleWatch
  /**
   * 0 in the service's first life, n in its n-th restart (see `restart`). `ctx.app` has booted by
   * then and refuses new decorations: a restart's `init` replaces what stands behind the first
   * life's decorations (a pool behind a getter) instead of decorating again. For a task, n in the
   * n-th retry of its `run` (its `init` ran once).
   */
  readonly attempt: number
  /**
   * Makes a worker context (`name/worker`) for work the service runs itself: its own logger, a signal
   * aborted with this life's `signal` or by its own `abort()`, and with `{ health: true }` a health
   * entry this service's follows. Throws `FSR_ERR_WORKER_NAME` for a name that is empty, contains
   * `/`, or is taken by a live worker of the same parent.
   */
  child (name: string, options: WorkerOptions & { readonly health: true }): WorkerContextWithHealth
  child (name: string, options?: WorkerOptions): WorkerContext
  /** Publish and subscribe to topics; every subscription also ends when this service begins to stop (`signal`). */
  readonly topics: Topics
  /** An OpenTelemetry tracer named after the service (a no-op one while no traces exporter is set). */
  readonly tracer: Tracer
  /** An OpenTelemetry meter named after the service (a no-op one while no metrics exporter is set). */
  readonly meter: Meter
}

/** What a service knows about upgrades of its process. */
export interface UpgradeInfo {
  /** 0 for a process started normally; n for the n-th upgrade in a row. */
  readonly generation: number
  /** True when this process was started by an upgrade and took over its parent's sockets. */
  readonly isUpgrade: boolean
}

/** The result of `runner.upgrade()`. */
export type UpgradeOutcome =
  | { readonly ok: true, readonly pid: number }
  | { readonly ok: false, readonly reason: string }

/** Accepts the context and returns a value or a promise of it. */
type Hook<T = unknown, App extends FastifyInstance = FastifyInstance> = (ctx: ServiceContext<App>) => T | Promise<T>

/** What `defineService` takes: a named unit with a lifecycle; `App` is the type of `ctx.app` in its hooks. */
export interface ServiceDefinition<App extends FastifyInstance = FastifyInstance, Dependencies extends readonly Dependency[] = readonly Dependency[]> {
  /** Unique among the services of one runner; also the plugin's name. */
  readonly name: string
  /**
   * Services registered before this one, by name or as the services themselves (then `ctx.app` has
   * what they decorate); checked at registration. Default: `[]`.
   */
  readonly dependsOn?: Dependencies
  /** Acquire resources; may decorate `ctx.app` for the services registered after it. */
  readonly init?: Hook<unknown, App>
  /** Background work, not awaited; its settling means the work ended (rejection = failure). A task's (`once`) is awaited. */
  readonly run?: Hook<unknown, App>
  /**
   * Makes the service a task (a migration): the boot waits for its `run` (bounded by `timeouts.ready`)
   * before the next service loads; resolved, the task is `completed` (healthy); rejected, the boot
   * fails (`FSR_ERR_SERVICE_START`, phase `run`), or with `restart.policy` `'on-failure'` (or
   * `'always'`) `run` is retried after the backoff until the policy gives up. Needs `run`; refuses `ready`, `check`, `drain` and
   * `beforeUpgrade`, which only a running service gets. Its `stop` still runs at shutdown. Default: `false`.
   */
  readonly once?: boolean
  /** Resolve truthy once able to serve; awaited (with `timeouts.ready`) before the next service loads. */
  readonly ready?: Hook<unknown, App>
  /** Release everything `init` acquired; runs from an `onClose` hook, in reverse registration order. */
  readonly stop?: Hook<unknown, App>
  /**
   * Called when draining starts (before `stop`, while the main server still answers requests in
   * flight): close long-lived connections (WebSocket, SSE, streams) politely. Bounded by `timeouts.stop`.
   */
  readonly drain?: Hook<unknown, App>
  /**
   * Called in the old process before an upgrade hands its sockets over (flush, persist).
   * Bounded by `timeouts.stop`; a throw cancels the upgrade and the process keeps serving.
   */
  readonly beforeUpgrade?: Hook<unknown, App>
  /**
   * Passive health: polled every `health.interval` while the service runs, bounded by `health.timeout`;
   * returns a status or `{ status, detail }`. A throw or a timeout makes the service `unhealthy`.
   */
  readonly check?: Hook<HealthCheckResult, App>
  /** Per-phase time limits. */
  readonly timeouts?: ServiceTimeouts
  /** How the service's health is checked, derived and counted. */
  readonly health?: ServiceHealthOptions
  /** Whether and how the runner restarts the service when it ends or fails. Default: never. */
  readonly restart?: RestartOptions
}

/** Marks, in types only, what a service decorates. */
declare const decorates: unique symbol

/**
 * A service made by `defineService`: a Fastify plugin carrying its definition (`dependsOn` as names).
 * `Decorations` is what it (and what it depends on) adds to the Fastify instance, as `defineService`'s type arguments say.
 */
export interface Service<Decorations extends object = {}> extends FastifyPluginAsync {
  readonly definition: Readonly<ServiceDefinition<any>> & { readonly dependsOn: readonly string[] }
  readonly [decorates]?: Decorations
}

/** A service named in `dependsOn`: its name, or the service itself. */
export type Dependency = string | Service<any>

/** What the services among `S` (a union, where names count for nothing) decorate, together. */
export type DecorationsOf<S> = UnionToIntersection<S extends Service<infer D> ? D : never>
// The intersection of a union's members: inferred from a parameter position, so contravariant.
type UnionToIntersection<U> = [U] extends [never] ? {} : (U extends unknown ? (union: U) => void : never) extends (intersection: infer I) => void ? I : never

/**
 * Service fields for registering a plain Fastify plugin as a service. The plugin's body is its
 * `init` and its `onClose` hooks its `stop`; `check` and `drain` are those of `ServiceDefinition`.
 */
export interface PluginServiceOptions {
  /** Unique among the services of one runner. */
  readonly name: string
  /** Services registered before this one, by name or as the services themselves. Default: `[]`. */
  readonly dependsOn?: readonly Dependency[]
  /** Per-phase time limits (`init` bounds loading the plugin). */
  readonly timeouts?: ServiceTimeouts
  /**
   * Passive health (a pool's `SELECT 1`): polled every `health.interval` while the service runs, bounded
   * by `health.timeout`; `ctx.app` carries what the plugin decorated. Default: none (push through `app.service.health`).
   */
  readonly check?: Hook<HealthCheckResult>
  /** Called when draining starts, before the plugin's `onClose` hooks; bounded by `timeouts.stop`. Default: none. */
  readonly drain?: Hook
  /** How the service's health is derived (`follow`, `derive`) and counted; `interval` and `timeout` only beside a `check`. */
  readonly health?: ServiceHealthOptions
  /**
   * Read as a definition's `restart`, but `policy` must be `'never'` and `whenUnhealthyFor` absent:
   * Fastify loads no plugin once the app has booted, so a plain plugin cannot start again. Default: never.
   */
  readonly restart?: RestartOptions
}

/**
 * Options of `runner.register(plugin, opts)` for a plain Fastify plugin: the plugin's own `Options`
 * (checked as `fastify.register` checks them), Fastify's `prefix` and `logLevel`, and `service`.
 */
export type RegisterOptions<Options extends FastifyPluginOptions = Record<string, unknown>> = FastifyRegisterOptions & Omit<Options, 'service'> & {
  /** Makes the plugin a service with a lifecycle. Not passed to the plugin. */
  readonly service?: PluginServiceOptions
}

/** Functions the runner calls at fixed points of its life; added with `runner.addHook`. */
export interface RunnerHooks {
  /** Awaited in `start()`, in the order added, before the first service boots; a throw fails `start()`. */
  beforeStart: () => void | Promise<void>
  /**
   * Awaited in `stop()`, in reverse order, after every service stopped and the main server closed
   * (also after a failed start, or once the shutdown deadline passed); a throw is logged.
   */
  afterStop: () => void | Promise<void>
  /** Called synchronously with every lifecycle transition of this runner's services; a throw is logged. */
  onTransition: (transition: LifecycleTransition) => void
  /** Called after every passive health check: the service, its duration in ms, and whether it failed (threw, timed out, bad result). */
  onHealthCheck: (service: string, duration: number, isFailure: boolean) => void
  /** Called once the main server has drained during a shutdown. */
  onDrain: (figures: DrainFigures) => void
  /** Called with every decision of a service's restart policy (a restart scheduled, or giving up). */
  onRestart: (event: RestartEvent) => void
  /** Called once when the graceful stop of a started runner begins, with its deadline (`shutdown.timeout`, ms). */
  onShutdown: (info: { readonly timeout: number }) => void
  /**
   * Awaited in the old process of an upgrade, in the order added, after the services' `beforeUpgrade`
   * and before the new process is started; a throw cancels the upgrade, as a service's does.
   */
  beforeUpgrade: () => void | Promise<void>
  /** Called with the outcome of every upgrade this process began (after `beforeUpgrade`), and its duration in ms. */
  onUpgrade: (outcome: UpgradeOutcome, duration: number) => void
}

/** What the drain of the main server took, as `onDrain` hooks hear it. */
export interface DrainFigures {
  /** Milliseconds from the start of the drain until every socket closed (or was destroyed). */
  readonly duration: number
  /** Sockets still open at `shutdown.drainTimeout`, destroyed. */
  readonly destroyedSockets: number
}

/** Where the runner is in its own life. */
export type RunnerStatus = 'created' | 'starting' | 'running' | 'draining' | 'stopping' | 'stopped'

/** A plugin that `runner.register` accepts besides a `Service`. */
export type AnyFastifyPlugin = FastifyPluginAsync<any> | FastifyPluginCallback<any>

/** The runner: owns the root Fastify instance and the services' lifecycle. */
export interface Runner {
  /** The root (main server) Fastify instance. */
  readonly app: FastifyInstance
  /** Adds a service, or a plain plugin (a service when `opts.service` is given). Throws at once on bad input. */
  register (service: Service<any>): Runner
  register<Options extends FastifyPluginOptions, Server extends RawServerBase = RawServerDefault, TypeProvider extends FastifyTypeProvider = FastifyTypeProviderDefault, Logger extends FastifyBaseLogger = FastifyBaseLogger> (
    plugin: FastifyPluginCallback<Options, Server, TypeProvider, Logger>,
    opts?: RegisterOptions<Options>,
  ): Runner
  register<Options extends FastifyPluginOptions, Server extends RawServerBase = RawServerDefault, TypeProvider extends FastifyTypeProvider = FastifyTypeProviderDefault, Logger extends FastifyBaseLogger = FastifyBaseLogger> (
    plugin: FastifyPluginAsync<Options, Server, TypeProvider, Logger>,
    opts?: RegisterOptions<Options>,
  ): Runner
  /**
   * Boots every service in registration order, then listens. Rejects (after stopping what started)
   * on failure, or with `FSR_ERR_START_INTERRUPTED` once a stop that began during the boot is over;
   * a signal the runner handles during the boot ends the process instead, and this never settles.
   */
  start (): Promise<void>
  /**
   * Drains the main server, stops every service in reverse order, closes the server; never exits the
   * process. Rejects with `FSR_ERR_UNCLEAN_STOP` or `FSR_ERR_SHUTDOWN_TIMEOUT`. Safe to call more than once.
   */
  stop (): Promise<void>
  /** The current state of every service, in registration order. */
  states (): ServiceStateSnapshot[]
  /** Where the runner is in its own life. */
  readonly status: RunnerStatus
  /** Readiness: true only once started and until draining begins. */
  readonly isReady: boolean
  /** Requests of the main server being answered right now (what a drain waits for). */
  readonly inFlightRequests: number
  /**
   * Starts the next generation of this program with the listening sockets, and drains this one once
   * it is ready (what SIGHUP does). Needs `signals`; refused during another upgrade or a drain.
   */
  upgrade (): Promise<UpgradeOutcome>
  /** The address the main server listens on, once started with a server. */
  readonly address: { readonly host: string, readonly port: number } | undefined
  /** The admin Fastify instance, when the admin server is enabled. */
  readonly admin?: FastifyInstance
  /** Adds a hook (before `start()`): the extension point of built-in plugins. */
  addHook<K extends keyof RunnerHooks> (name: K, hook: RunnerHooks[K]): Runner
  /**
   * Makes `instance` listen as the socket named `name` (`main`, `admin`): on the descriptor inherited
   * under that name (systemd socket activation, or the previous generation of an upgrade) if there is
   * one, else on `address`; either way the socket is handed to the next generation on upgrade.
   * For built-in plugins and other servers of the program. Rejects with FSR_ERR_LISTEN (`cause`: the system error).
   */
  listen (name: string, instance: FastifyInstance, address: { readonly port: number, readonly host: string }): Promise<void>
  /** Adds a field to every service context (before `start()`); the context's own fields (`name`, `app`, `log`, `signal`, `health`, `upgrade`, `watch`, `attempt`, `child`, `topics`) are refused. */
  decorateContext<K extends keyof ServiceContext> (name: K, value: ServiceContext[K]): Runner
  /** As `decorateContext`, with a value of each service's own: `make(service)` is called once per service, at its first start. */
  decorateContextPerService<K extends keyof ServiceContext> (name: K, make: (service: string) => ServiceContext[K]): Runner
  /** The logger of one service (a pino child of the runner's logger, `app.log`), or undefined for an unknown name. */
  serviceLogger (name: string): Logger | undefined
  /** The health of the process: overall status, liveness, readiness and every entry. */
  health (): AggregateHealth
  /**
   * Adds a health entry that is not a service (as the built-in `process`), before `start()`, and
   * returns its handle. Its name is taken: no service may use it. Default `critical`: `true`.
   */
  addHealthSource (name: string, options?: { readonly critical?: boolean }): ServiceHealth
  /**
   * Adds a stage to the end of the prestart pipeline (before `start()`, else FSR_ERR_ALREADY_STARTED);
   * a bad stage or a name already taken is FSR_ERR_INVALID_ARGUMENT.
   */
  prestart (stage: PrestartStage): Runner
  /** Wait for and follow services' lifecycles; waits and iterations end only by their own `signal` (or leaving the loop). */
  readonly watch: LifecycleWatch
  /** Publish and subscribe to topics, as `ctx.topics`; subscriptions end only by their own `signal` (or unsubscribing). */
  readonly topics: Topics
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The service handle of the service this plugin belongs to (same object as `ctx`). */
    readonly service: ServiceContext
  }
}
