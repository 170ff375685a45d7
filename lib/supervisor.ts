// The supervision of one service: it hears how the service's lives end, asks the restart policy
// what to do, waits out the backoff, and restarts the service through its own stop and start
// (the same phases as the first start, each bounded). A restart never runs during a shutdown.
// A task is retried instead: only its run, during the boot, through `retryTask`.
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { LifecycleState, RestartEvent, RestartStatus } from '../types/index.ts'
import { FSR_ERR_RESTARTS_EXHAUSTED, messageOf } from './errors.ts'
import { ExitCode } from './exit-codes.ts'
import { lifecycleChannel, type Lifecycle } from './lifecycle.ts'
import { type EndReason, isRestartable, type ResolvedRestartOptions, type RestartDecision, RestartHistory } from './restart-policy.ts'
import type { RunnerTopic } from './topic-registry.ts'

/** The service as its supervisor drives it (ManagedService). */
export interface Supervised {
  readonly lifecycle: Lifecycle
  readonly log: Logger
  stop (): Promise<void>
  start (app: FastifyInstance): Promise<void>
  reportDegraded (reason: string): void
}

/** What a supervisor needs from its runner. */
export interface SupervisorHost {
  isStopping (): boolean
  /** Tells the runner's onRestart hooks. */
  onRestart (event: RestartEvent): void
  /** The runner's `fsr.restart` topic. */
  readonly restartTopic: RunnerTopic<RestartEvent>
  /** Shuts the program down gracefully with `code` (escalate: 'exit'). */
  exit (code: number, reason: string): void
  /** Resolves once the runner has started (never, if its start failed: its stop then cancels every restart). */
  whenBooted (): Promise<void>
  /** The service's health, read and followed for `whenUnhealthyFor`. */
  subscribeHealth (name: string, listener: (status: string) => void): () => void
}

export class Supervisor {
  readonly #service: Supervised
  readonly #options: ResolvedRestartOptions
  readonly #host: SupervisorHost
  readonly #history: RestartHistory
  readonly #random: () => number
  #app: FastifyInstance | undefined
  #hasRun = false
  #runningSince: number | undefined
  #timer: NodeJS.Timeout | undefined
  // Resolves the backoff wait of a task's retry (false: cancelled).
  #wake: ((isDue: boolean) => void) | undefined
  #unhealthyTimer: NodeJS.Timeout | undefined
  #unsubscribe: (() => void) | undefined
  #restarting: Promise<void> | undefined
  // Set before the restart's stop begins: its transitions are the restart's, not a new end.
  #isRestarting = false
  #isGivenUp = false
  /** Why the latest restart was decided, and when the next attempt begins (epoch ms) while one waits. */
  lastReason: EndReason | undefined
  nextAttemptAt: number | undefined

  constructor (service: Supervised, options: ResolvedRestartOptions, host: SupervisorHost, random: () => number = Math.random) {
    this.#service = service
    this.#options = options
    this.#host = host
    this.#history = new RestartHistory(options)
    this.#random = random
  }

  /** How many restarts were decided; also `ctx.attempt` of the life under way. */
  get restarts (): number {
    return this.#history.total
  }

  /** For `runner.states()` and `/services`. */
  status (): RestartStatus {
    return Object.freeze({ scheduled: this.#history.total, lastReason: this.lastReason, nextAttemptAt: this.nextAttemptAt, isGivenUp: this.#isGivenUp })
  }

  /** The instance the service's plugin runs in: a restart starts the service there again. */
  attach (app: FastifyInstance): void {
    this.#app ??= app
  }

  /** Told of every transition of the service. */
  onTransition (to: LifecycleState, error: Error | undefined, at: number): void {
    if (to === 'running') {
      this.#hasRun = true
      // A restarted life that runs is a life of its own: its failure is a new end, not the restart's.
      this.#isRestarting = false
      this.#runningSince = at
      if (this.#options.whenUnhealthyFor !== undefined) this.#unsubscribe ??= this.#host.subscribeHealth(this.#service.lifecycle.name, (status) => this.#onHealth(status))
      return
    }
    // A failure of the first start belongs to the boot, one during a restart to that restart.
    if (to !== 'failed' || !this.#hasRun || this.#isRestarting) return
    this.ended((error as { code?: unknown } | undefined)?.code === 'FSR_ERR_SERVICE_RUN' ? 'run-failed' : 'failed')
  }

  /** The service's life ended for `reason`: restart it after the backoff, or give up. */
  ended (reason: EndReason): void {
    if (this.#host.isStopping() || this.#isGivenUp || this.#timer !== undefined || !isRestartable(this.#options.policy, reason)) return
    this.#clearUnhealthy()
    const ranSince = this.#runningSince
    this.#runningSince = undefined
    const decision = this.#decide(reason, ranSince, this.#options.escalate)
    if (decision.action === 'give-up') {
      this.#escalate(reason, decision.restarts)
      return
    }
    this.#timer = setTimeout(() => { void this.#restart(reason) }, decision.delay)
  }

  /**
   * A task's run failed during the boot: a promise of the next attempt, true once the backoff has
   * passed, false at once if the runner stops meanwhile; undefined when the policy gives up (the
   * task then fails the boot, whatever `escalate` says: the boot cannot go on without it).
   */
  retryTask (reason: EndReason): Promise<boolean> | undefined {
    if (this.#host.isStopping() || this.#isGivenUp || !isRestartable(this.#options.policy, reason)) return undefined
    const decision = this.#decide(reason, undefined, undefined)
    if (decision.action === 'give-up') return undefined
    return new Promise<boolean>((resolve) => {
      this.#wake = resolve
      this.#timer = setTimeout(() => {
        this.#timer = undefined
        this.#wake = undefined
        this.nextAttemptAt = undefined
        resolve(true)
      }, decision.delay)
    })
  }

  /** Asks the policy, and logs and tells what it decided. */
  #decide (reason: EndReason, ranSince: number | undefined, escalate: string | undefined): RestartDecision {
    const now = Date.now()
    const decision = this.#history.decide(now, ranSince, this.#random)
    const name = this.#service.lifecycle.name
    this.lastReason = reason
    if (decision.action === 'give-up') {
      this.#isGivenUp = true
      this.nextAttemptAt = undefined
      this.#service.log.error({ reason, attempt: decision.attempt, restarts: decision.restarts, escalate }, 'service restarts given up')
      this.#tell({ service: name, decision: 'give-up', reason, attempt: decision.attempt, delay: undefined, at: now })
      return decision
    }
    const { attempt, delay } = decision
    this.nextAttemptAt = now + delay
    this.#service.log.warn({ delay, attempt, reason }, 'service restart scheduled')
    this.#tell({ service: name, decision: 'restart', reason, attempt, delay, at: now })
    return decision
  }

  async #restart (reason: EndReason): Promise<void> {
    this.#timer = undefined
    this.nextAttemptAt = undefined
    await this.#host.whenBooted()
    const app = this.#app
    if (this.#host.isStopping() || app === undefined) return
    let failure: unknown
    this.#isRestarting = true
    this.#restarting = (async () => {
      // From running or failed: shutting-down, stopped, then the phases of a first start.
      await this.#service.stop()
      if (this.#host.isStopping()) return
      try {
        await this.#service.start(app)
      } catch (err) {
        failure = err
      }
    })()
    try {
      await this.#restarting
    } finally {
      this.#restarting = undefined
      this.#isRestarting = false
    }
    // A restart that a shutdown cut short is no failure of its own.
    if (failure !== undefined && !this.#host.isStopping()) {
      this.#service.log.error({ err: failure, reason }, 'service restart failed')
      this.ended('failed')
    }
  }

  #escalate (reason: EndReason, restarts: number): void {
    const { escalate, intensity } = this.#options
    const err = new FSR_ERR_RESTARTS_EXHAUSTED(this.#service.lifecycle.name, restarts, intensity.within, reason)
    // A life that ended without failing (policy `always`) is failed now: nobody will restart it.
    const { state } = this.#service.lifecycle
    if (state === 'running') this.#service.lifecycle.transition('failed', err)
    if (escalate === 'degrade') this.#service.reportDegraded(messageOf(err))
    else if (escalate === 'exit') this.#host.exit(ExitCode.RESTARTS_EXHAUSTED, err.message)
  }

  #tell (event: RestartEvent): void {
    const frozen = Object.freeze(event)
    if (lifecycleChannel.hasSubscribers) lifecycleChannel.publish(frozen)
    this.#host.restartTopic.publish(frozen)
    this.#host.onRestart(frozen)
  }

  #onHealth (status: string): void {
    const ms = this.#options.whenUnhealthyFor
    if (ms === undefined) return
    if (status !== 'unhealthy') {
      this.#clearUnhealthy()
      return
    }
    if (this.#unhealthyTimer !== undefined || this.#service.lifecycle.state !== 'running') return
    this.#unhealthyTimer = setTimeout(() => {
      this.#unhealthyTimer = undefined
      if (this.#service.lifecycle.state === 'running') this.ended('unhealthy')
    }, ms)
  }

  #clearUnhealthy (): void {
    clearTimeout(this.#unhealthyTimer)
    this.#unhealthyTimer = undefined
  }

  /** The runner stops: a backoff wait ends at once, and health is no longer followed. */
  cancel (): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#wake?.(false)
    this.#wake = undefined
    this.nextAttemptAt = undefined
    this.#clearUnhealthy()
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
  }

  /** Resolves once no restart is under way, so that the runner's stop never overlaps one. */
  async settled (): Promise<void> {
    await this.#restarting
  }
}
