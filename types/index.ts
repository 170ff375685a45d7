// The public contract of fastify-service-runner: types only, no runtime code.
// lib/ and plugins/ import their shapes from here so code and contract cannot drift apart.
import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyPluginCallback,
  FastifyServerOptions,
} from 'fastify'
import type { Logger, LevelWithSilent } from 'pino'

/** The lifecycle states of a service, in boot order, plus `failed`. */
export type LifecycleState =
  | 'initiating'
  | 'initiated'
  | 'starting'
  | 'running'
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
  /** Every transition so far, oldest first. */
  readonly timeline: readonly LifecycleTransition[]
}

/** Per-phase time limits of a service, in milliseconds. `0` disables that limit. */
export interface ServiceTimeouts {
  /** Limit for `init` (and, for a plain plugin, loading the plugin). Default: runner's `timeouts.init` (10 000). */
  readonly init?: number
  /** Limit for `ready` to resolve truthy. Default: runner's `timeouts.ready` (10 000). */
  readonly ready?: number
  /** Limit for `stop`, then for `run` to settle. Default: runner's `timeouts.stop` (10 000). */
  readonly stop?: number
}

/**
 * The handle every service gets: passed as `ctx` to each hook of a `defineService`
 * definition, and reachable as `app.service` inside a plugin registered as a service.
 */
export interface ServiceContext {
  /** The service's unique name. */
  readonly name: string
  /** The Fastify instance the service's plugin runs in. */
  readonly app: FastifyInstance
  /** A pino child logger carrying `service: name`. */
  readonly log: Logger
  /** Aborted when the service begins to stop; `run` must honour it. */
  readonly signal: AbortSignal
}

/** Accepts the context and returns a value or a promise of it. */
type Hook<T = unknown> = (ctx: ServiceContext) => T | Promise<T>

/** What `defineService` takes: a named unit with a lifecycle. */
export interface ServiceDefinition {
  /** Unique among the services of one runner; also the plugin's name. */
  readonly name: string
  /** Names of services registered before this one; checked at registration. Default: `[]`. */
  readonly dependsOn?: readonly string[]
  /** Acquire resources; may decorate `ctx.app` for the services registered after it. */
  readonly init?: Hook
  /** Background work, not awaited; its settling means the work ended (rejection = failure). */
  readonly run?: Hook
  /** Resolve truthy once able to serve; awaited (with `timeouts.ready`) before the next service loads. */
  readonly ready?: Hook
  /** Release everything `init` acquired; runs from an `onClose` hook, in reverse registration order. */
  readonly stop?: Hook
  /**
   * Called when draining starts (before `stop`, while the main server still answers requests in
   * flight): close long-lived connections (WebSocket, SSE, streams) politely. Bounded by `timeouts.stop`.
   */
  readonly drain?: Hook
  /** Per-phase time limits. */
  readonly timeouts?: ServiceTimeouts
}

/** A service made by `defineService`: a Fastify plugin carrying its definition. */
export interface Service extends FastifyPluginAsync {
  readonly definition: Readonly<ServiceDefinition>
}

/** Service fields for registering a plain Fastify plugin as a service. */
export interface PluginServiceOptions {
  readonly name: string
  readonly dependsOn?: readonly string[]
  readonly timeouts?: ServiceTimeouts
}

/** Options of `runner.register(plugin, opts)` for a plain Fastify plugin. */
export interface RegisterOptions {
  /** Makes the plugin a service with a lifecycle. Without it the name defaults to the plugin's name. */
  readonly service?: PluginServiceOptions
  /** Any other key is passed to the plugin as its options. */
  readonly [key: string]: unknown
}

/** Where the main server listens. */
export interface ServerOptions {
  /** TCP port; `0` picks a free one. Default: `3000`, env `FSR_PORT`. */
  readonly port?: number
  /** Address to bind; always explicit, never `localhost`'s double bind. Default: `127.0.0.1`, env `FSR_HOST`. */
  readonly host?: string
}

/** Log output of the runner. */
export interface LogOptions {
  /** Default: `info`, env `FSR_LOG_LEVEL`. */
  readonly level?: LevelWithSilent
  /** `json` (one object a line) or `pretty` (needs `pino-pretty`). Default: `json`, env `FSR_LOG_FORMAT`. */
  readonly format?: 'json' | 'pretty'
}

/** How the runner shuts down (on a signal or `runner.stop()`). */
export interface ShutdownOptions {
  /** Wait after readiness turns false, before the main server stops accepting (for load balancers). Default: `0`, env `FSR_DRAIN_DELAY`. */
  readonly drainDelay?: number
  /** Longest wait for requests in flight; then their sockets are destroyed and named in the log. Default: `10 000`, env `FSR_DRAIN_TIMEOUT`. */
  readonly drainTimeout?: number
  /** Deadline of the whole shutdown; past it the process exits with `ExitCode.SHUTDOWN_TIMEOUT`. Default: `30 000`, env `FSR_SHUTDOWN_TIMEOUT`. */
  readonly timeout?: number
}

/** Signals that shut the process down. `SIGHUP` and `SIGUSR2` are reserved (upgrade) and refused here. */
export type ShutdownSignal = 'SIGINT' | 'SIGTERM' | 'SIGQUIT'

/** Options of `createRunner`. Every field is optional; env variables override defaults only. */
export interface RunnerOptions {
  /** The main server's listener, or `false` to run services without one. Default: `{ port: 3000, host: '127.0.0.1' }`. */
  readonly server?: ServerOptions | false
  /** Log level and format. Ignored when `logger` is given. */
  readonly log?: LogOptions
  /** A ready pino logger to use instead of building one from `log`. */
  readonly logger?: Logger
  /** Default per-phase time limits for every service. Defaults: 10 000 ms each, env `FSR_TIMEOUT_INIT|READY|STOP`. */
  readonly timeouts?: ServiceTimeouts
  /** Extra options for the root Fastify instance (not `logger`, `loggerInstance` nor `pluginTimeout`). */
  readonly fastify?: Omit<FastifyServerOptions, 'logger' | 'loggerInstance' | 'pluginTimeout'>
  /**
   * Signals on which `start()` installs a graceful shutdown that ends the process (with an exit code
   * from `ExitCode`), together with handlers for uncaught errors; `false` installs nothing (for
   * embedding and tests: call `stop()` yourself). Default: `['SIGINT', 'SIGTERM']`.
   */
  readonly signals?: readonly ShutdownSignal[] | false
  /** Drain and deadline of the shutdown. */
  readonly shutdown?: ShutdownOptions
}

/** `RunnerOptions` after defaults and env, validated and frozen. */
export interface ResolvedRunnerOptions {
  readonly server: Readonly<Required<ServerOptions>> | false
  readonly log: Readonly<Required<LogOptions>>
  readonly logger: Logger | undefined
  readonly timeouts: Readonly<Required<ServiceTimeouts>>
  readonly fastify: Readonly<RunnerOptions['fastify'] & object>
  readonly signals: readonly ShutdownSignal[] | false
  readonly shutdown: Readonly<Required<ShutdownOptions>>
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
  register (service: Service): Runner
  register (plugin: FastifyPluginAsync<any>, opts?: RegisterOptions): Runner
  register (plugin: FastifyPluginCallback<any>, opts?: RegisterOptions): Runner
  /** Boots every service in registration order, then listens. Rejects (after stopping what started) on failure. */
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
  /** The address the main server listens on, once started with a server. */
  readonly address: { readonly host: string, readonly port: number } | undefined
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The service handle of the service this plugin belongs to (same object as `ctx`). */
    readonly service: ServiceContext
  }
}
