// The options of createRunner and their resolved form (types only; resolved by lib/options.ts and
// the built-ins' resolvers, documented in docs/options.md).
import type { FastifyServerOptions } from 'fastify'
import type { ServerOptions as HttpsServerOptions } from 'node:https'
import type { Logger, LevelWithSilent } from 'pino'
import type { AdminOptions, DashboardOptions, DebugOptions, MetricsOptions, PressureOptions, TelemetryOptions } from './builtin-options.ts'
import type { HealthOptions } from './health.ts'
import type { PrestartFailureOptions, PrestartStage } from './prestart.ts'
import type { ServiceTimeouts } from './index.ts'

/** Where the main server listens. */
export interface ServerOptions {
  /** TCP port; `0` picks a free one. Default: `3000`, env `FSR_PORT`. */
  readonly port?: number
  /** Address to bind; always explicit, never `localhost`'s double bind. Default: `127.0.0.1`, env `FSR_HOST`. */
  readonly host?: string
}

/**
 * Where log records go: `stdout` (JSON lines), `journal` (systemd's journal over its native protocol,
 * one record of fields per line; stdout with one warning when the journal is unavailable), or `auto`:
 * the journal when `JOURNAL_STREAM` names this process's stdout (systemd connected it to the journal),
 * stdout otherwise.
 */
export type LogDestination = 'auto' | 'stdout' | 'journal'

/** How records reach the journal (`log.destination` `journal`, or `auto` under systemd). */
export interface JournalLogOptions {
  /** The journal's native socket, an absolute path of at most 107 bytes. Default: `/run/systemd/journal/socket`. */
  readonly socket?: string
  /** `SYSLOG_IDENTIFIER` of every record. Default: the program's file name without its extension, env `FSR_LOG_IDENTIFIER`. */
  readonly identifier?: string
}

/** Log output of the runner. */
export interface LogOptions {
  /** Default: `info`, env `FSR_LOG_LEVEL`. */
  readonly level?: LevelWithSilent
  /** `json` (one object a line) or `pretty` (needs `pino-pretty`; not with the journal). Default: `json`, env `FSR_LOG_FORMAT`. */
  readonly format?: 'json' | 'pretty'
  /** Default: `auto`, env `FSR_LOG_DESTINATION`. */
  readonly destination?: LogDestination
  readonly journal?: JournalLogOptions
}

/** `LogOptions` after defaults and env. */
export interface ResolvedLogOptions {
  readonly level: LevelWithSilent
  readonly format: 'json' | 'pretty'
  readonly destination: LogDestination
  readonly journal: Readonly<Required<JournalLogOptions>>
}

/** How the runner shuts down (on a signal or `runner.stop()`). */
export interface ShutdownOptions {
  /** Wait after readiness turns false, before the main server stops accepting (for load balancers). Default: `0`, env `FSR_DRAIN_DELAY`. */
  readonly drainDelay?: number
  /**
   * Longest wait for requests in flight; then their sockets are destroyed and named in the log. WebSockets
   * and event streams still open this long after the listener closed are destroyed too (after the
   * services stopped), and the stop counts as unclean. Default: `10 000`, env `FSR_DRAIN_TIMEOUT`.
   */
  readonly drainTimeout?: number
  /**
   * Once the listener is closed, how long an idle keep-alive socket may wait for its next request
   * (answered with `Connection: close`) before it is closed; `0` closes idle sockets at once, which
   * can reset a busy client's next request. Default: `1 000`, env `FSR_IDLE_GRACE`.
   */
  readonly idleGrace?: number
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
  /**
   * Extra options for the root Fastify instance (not `logger`, `loggerInstance` nor `pluginTimeout`);
   * `https` makes the main server an HTTPS one (key and cert as `node:https` takes them).
   */
  readonly fastify?: Omit<FastifyServerOptions, 'logger' | 'loggerInstance' | 'pluginTimeout'> & { readonly https?: HttpsServerOptions }
  /**
   * Signals on which `start()` installs a graceful shutdown that ends the process (with an exit code
   * from `ExitCode`), together with handlers for uncaught errors; `false` installs nothing (for
   * embedding and tests: call `stop()` yourself). Default: `['SIGINT', 'SIGTERM']`.
   */
  readonly signals?: readonly ShutdownSignal[] | false
  /** Drain and deadline of the shutdown. */
  readonly shutdown?: ShutdownOptions
  /** The admin server (health, metrics, debug), or `false` for none. Default: `{ port: 9090, host: '127.0.0.1' }`. */
  readonly admin?: AdminOptions | false
  /** Prometheus metrics, or `false` to collect none (`ctx.metrics` still exists). Default: `{ requests: true, process: true }`. */
  readonly metrics?: MetricsOptions | false
  /** The profiling endpoints of the admin server under `/debug`, or `false` for none. Default: `{ maxProfileSeconds: 60, heapSinceStart: true, heapSamplingInterval: 524288 }`. */
  readonly debug?: DebugOptions | false
  /** The live dashboard on the admin server (`GET /`, `GET /events`), or `false` for none. Default: `{ history: 1000 }`. */
  readonly dashboard?: DashboardOptions | false
  /** Zero-downtime upgrade on SIGHUP (needs `signals`), or `false` to refuse upgrades. */
  readonly upgrade?: UpgradeOptions | false
  /**
   * Path of a PID file, written atomically at start and by the old process after a handover (never
   * through a symlink). Checked before any service boots (`FSR_ERR_PID_FILE`). Env `FSR_PID_FILE`.
   */
  readonly pidFile?: string
  /** Default passive-check interval and timeout of every service. */
  readonly health?: HealthOptions
  /** Load shedding on the main server and the built-in `process` health entry, or `false` for none. Default: see `PressureOptions`. */
  readonly pressure?: PressureOptions | false
  /**
   * Stages run in order by `start()` after the `beforeStart` hooks (the admin server already answers,
   * not ready) and before the first service loads; `runner.prestart()` adds more after these. Default: `[]`.
   */
  readonly prestart?: readonly PrestartStage[]
  /** What a failed prestart stage leads to. Default: `{ retry: false, delay: 1 000, maxAttempts: 3 }`. */
  readonly prestartFailure?: PrestartFailureOptions
  /** OpenTelemetry traces and metrics, or `false` for none. Default: from the `OTEL_*` variables; without an exporter, none. */
  readonly telemetry?: TelemetryOptions | false
}

/** How an upgrade waits for the new process. */
export interface UpgradeOptions {
  /** How long the new process may take to boot and report ready, ms; `0` = no limit. Default: `60 000`, env `FSR_UPGRADE_TIMEOUT`. */
  readonly timeout?: number
}

/** `RunnerOptions` after defaults and env, validated and frozen. */
export interface ResolvedRunnerOptions {
  readonly server: Readonly<Required<ServerOptions>> | false
  readonly log: ResolvedLogOptions
  readonly logger: Logger | undefined
  readonly timeouts: Readonly<Required<ServiceTimeouts>>
  readonly fastify: Readonly<RunnerOptions['fastify'] & object>
  readonly signals: readonly ShutdownSignal[] | false
  readonly shutdown: Readonly<Required<ShutdownOptions>>
  readonly upgrade: Readonly<Required<UpgradeOptions>> | false
  readonly pidFile: string | undefined
  readonly health: Readonly<Required<HealthOptions>>
  readonly prestart: ReadonlyArray<Readonly<Required<PrestartStage>>>
  readonly prestartFailure: Readonly<Required<PrestartFailureOptions>>
}
