// Worker contexts: `ctx.child(name)` for the workers a service runs itself (see docs/workers.md).
import type { Logger } from 'pino'
import type { HealthStatus, ServiceHealth } from './health.ts'

/** Options of `ctx.child(name, options)`. */
export interface WorkerOptions {
  /**
   * Gives the worker its own health entry, named `parent/name`, `unknown` until the worker reports.
   * The nearest entry above it (its service's, or a parent worker's) follows it; the entry never
   * counts in the process's status by itself (`critical: false`). Default: `false`.
   */
  readonly health?: boolean
}

/**
 * A worker of a service (a consumer of a pool, the loop of one partition): made by `ctx.child(name)`,
 * ended when its parent stops (its `signal`) or by its own `abort()`.
 */
export interface WorkerContext {
  /** The parent's name and the worker's, joined by `/` (`orders/partition-3`). */
  readonly name: string
  /** A pino child of the runner's logger carrying `service: name`, at the level of its service's logger when made. */
  readonly log: Logger
  /** Aborted when the parent's signal aborts (the service stops or restarts), or by `abort()`. */
  readonly signal: AbortSignal
  /** The worker's health entry, with `{ health: true }`; undefined without. */
  readonly health: ServiceHealth | undefined
  /** Epoch milliseconds of `ctx.child()`. */
  readonly startedAt: number
  /** Aborts `signal` (with `reason`) and every worker made under this one, and removes their health entries. */
  abort (reason?: unknown): void
  /** A worker of this worker (`orders/partition-3/commit`), ending with it. */
  child (name: string, options: WorkerOptions & { readonly health: true }): WorkerContextWithHealth
  child (name: string, options?: WorkerOptions): WorkerContext
}

/** A worker made with `{ health: true }`: its `health` is always there. */
export interface WorkerContextWithHealth extends WorkerContext {
  readonly health: ServiceHealth
}

/** One worker as `runner.states()` and `/services` show it, under its service. */
export interface WorkerSnapshot {
  /** Its full name (`orders/partition-3`). */
  readonly name: string
  /** Epoch milliseconds of `ctx.child()`. */
  readonly startedAt: number
  /** True once its signal aborted; its health entry is gone then. */
  readonly aborted: boolean
  /** The status of its health entry; only for a live worker made with `{ health: true }`. */
  readonly health?: HealthStatus
}
