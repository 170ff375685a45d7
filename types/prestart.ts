// The prestart pipeline: stages that run, in order and bounded, before any service loads.
import type { Logger } from 'pino'
import type { UpgradeInfo } from './index.ts'

/** What a prestart stage's `run` gets. */
export interface PrestartContext {
  /** The stage's name. */
  readonly name: string
  /** 1 for the first run of the pipeline, n for the n-th (with `prestartFailure.retry`). */
  readonly attempt: number
  /** A pino child logger carrying `prestart: name`. */
  readonly log: Logger
  /** Aborted when the stage's timeout passes or the runner stops (a signal, `runner.stop()`); the stage must honour it. */
  readonly signal: AbortSignal
  /** Where this process stands in the chain of zero-downtime upgrades (a migration may skip an upgrade). */
  readonly upgrade: UpgradeInfo
}

/** One step that must succeed before any service loads: a migration, a wait for a dependency, a config fetch. */
export interface PrestartStage {
  /** Unique among the stages of one runner; the rule of a service name. */
  readonly name: string
  /** The work; a throw, a rejection or the timeout fails the stage. */
  readonly run: (ctx: PrestartContext) => unknown
  /** Time limit of one run of the stage, ms; `0` = no limit. Default: `10 000`. */
  readonly timeout?: number
}

/** What a failed prestart stage leads to: the start fails (`FSR_ERR_PRESTART`), or the whole pipeline runs again. */
export interface PrestartFailureOptions {
  /** Run the whole pipeline again, from its first stage, after `delay`. Default: `false`. */
  readonly retry?: boolean
  /** Wait before the next attempt, ms. Default: `1 000`. */
  readonly delay?: number
  /** Attempts in all, the first included, before the start fails; `0` = no limit. Used with `retry`. Default: `3`. */
  readonly maxAttempts?: number
}
