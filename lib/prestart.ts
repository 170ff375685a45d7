// The prestart pipeline: stages run in order before any service loads, each bounded by its timeout.
// A failed stage fails the start, or (with `prestartFailure.retry`) the whole pipeline runs again
// after a delay; a stop of the runner aborts the stage under way and the pipeline with it.
import type { Logger } from 'pino'
import type { PrestartContext, PrestartStage, ResolvedRunnerOptions, UpgradeInfo } from '../types/index.ts'
import { FSR_ERR_INVALID_ARGUMENT, FSR_ERR_PRESTART, FSR_ERR_PRESTART_TIMEOUT, messageOf } from './errors.ts'
import { describe, Problems, readPrestartStage } from './options.ts'

type Stage = Readonly<Required<PrestartStage>>
/** How one run of a stage (or the wait before the next attempt) ended. */
type Outcome = { readonly ok: true } | { readonly ok: false, readonly err: unknown } | 'stopped'

/** The reason a stage's signal gives when the runner stops during it. */
const STOPPING = Object.freeze(new Error('the runner is stopping'))
const PASSED: Outcome = Object.freeze({ ok: true })

export type PrestartError = InstanceType<typeof FSR_ERR_PRESTART> & { stage: string, attempt: number }

export class PrestartPipeline {
  readonly #stages: Stage[]
  readonly #failure: ResolvedRunnerOptions['prestartFailure']
  readonly #log: Logger
  readonly #upgrade: UpgradeInfo
  #isPassed = false
  #isStopped = false
  /** Ends the stage (or the wait) under way when the runner stops. */
  #onStop: (() => void) | undefined

  constructor (options: Pick<ResolvedRunnerOptions, 'prestart' | 'prestartFailure'>, log: Logger, upgrade: UpgradeInfo) {
    this.#stages = [...options.prestart]
    this.#failure = options.prestartFailure
    this.#log = log
    this.#upgrade = upgrade
  }

  /** Adds a stage at the end; a bad one, or a name taken, is FSR_ERR_INVALID_ARGUMENT. */
  add (stage: unknown): void {
    const problems = new Problems()
    const resolved = readPrestartStage(problems, 'stage', stage, new Set(this.#stages.map(({ name }) => name)))
    if (resolved === undefined) {
      throw new FSR_ERR_INVALID_ARGUMENT('runner.prestart()', describe(stage), `a stage { name, run(ctx), timeout? }:\n${problems.list.join('\n')}`)
    }
    this.#stages.push(resolved)
  }

  /** Runs the pipeline: true once every stage passed, false when `stop()` ended it; rejects with FSR_ERR_PRESTART. */
  async run (): Promise<boolean> {
    if (this.#isStopped) return false
    if (this.#stages.length === 0) {
      this.#isPassed = true
      return true
    }
    const { retry, delay, maxAttempts } = this.#failure
    const limit = retry ? maxAttempts : 1
    const begin = performance.now()
    for (let attempt = 1; ; attempt++) {
      this.#log.info({ attempt, stages: this.#stages.map(({ name }) => name) }, 'prestart attempt started')
      let failed: { stage: string, err: unknown } | undefined
      for (const stage of this.#stages) {
        const outcome = await this.#runStage(stage, attempt)
        if (outcome === 'stopped') {
          this.#log.info({ prestart: stage.name, attempt }, 'prestart aborted')
          return false
        }
        if (!outcome.ok) {
          failed = { stage: stage.name, err: outcome.err }
          break
        }
      }
      // A stop between two stages finds no stage to abort: it is seen here, or by the next #bounded.
      if (this.#isStopped) return false
      if (failed === undefined) {
        this.#isPassed = true
        this.#log.info({ attempts: attempt, duration: Math.round(performance.now() - begin) }, 'prestart done')
        return true
      }
      if (limit !== 0 && attempt >= limit) {
        const err = new FSR_ERR_PRESTART(failed.stage, attempt, String(limit), messageOf(failed.err), { cause: failed.err }) as PrestartError
        err.stage = failed.stage
        err.attempt = attempt
        throw err
      }
      this.#log.warn({ prestart: failed.stage, attempt, delay }, 'prestart retry scheduled')
      if (await this.#wait(delay) === 'stopped') {
        this.#log.info({ attempt }, 'prestart aborted')
        return false
      }
    }
  }

  /** The runner stops: ends the pipeline if it runs. True when it never passed, so no service may load. */
  stop (): boolean {
    if (this.#isPassed) return false
    this.#isStopped = true
    this.#onStop?.()
    return true
  }

  /** One run of one stage, bounded by its timeout and by a stop of the runner. */
  #runStage (stage: Stage, attempt: number): Promise<Outcome> {
    const { name, timeout } = stage
    const log = this.#log.child({ prestart: name })
    const controller = new AbortController()
    const ctx: PrestartContext = { name, attempt, log, signal: controller.signal, upgrade: this.#upgrade }
    const begin = performance.now()
    log.info({ attempt, timeout }, 'prestart stage started')
    return this.#bounded(timeout, (settle) => {
      new Promise((resolve) => resolve(stage.run(ctx))).then(() => settle(PASSED), (err: unknown) => settle({ ok: false, err }))
    }, () => {
      const err = new FSR_ERR_PRESTART_TIMEOUT(name, timeout)
      controller.abort(err)
      return { ok: false, err }
    }, () => controller.abort(STOPPING)).then((outcome) => {
      const duration = Math.round(performance.now() - begin)
      if (outcome === 'stopped') return outcome
      if (outcome.ok) log.info({ attempt, duration }, 'prestart stage done')
      else log.error({ err: outcome.err, attempt, duration }, 'prestart stage failed')
      return outcome
    })
  }

  /** Waits `ms` before the next attempt, or until the runner stops. */
  #wait (ms: number): Promise<Outcome> {
    return this.#bounded(ms, (settle) => { if (ms === 0) settle(PASSED) }, () => PASSED, () => {})
  }

  /**
   * Settles with the first of: what `work` settles, `onTimeout()` after `ms` (`0` = never), or
   * 'stopped' (after `onStopped()`) when the runner stops. A later outcome is ignored.
   */
  #bounded (ms: number, work: (settle: (outcome: Outcome) => void) => void, onTimeout: () => Outcome, onStopped: () => void): Promise<Outcome> {
    if (this.#isStopped) return Promise.resolve('stopped')
    return new Promise((resolve) => {
      let isSettled = false
      let timer: NodeJS.Timeout | undefined
      const settle = (outcome: Outcome): void => {
        if (isSettled) return
        isSettled = true
        clearTimeout(timer)
        this.#onStop = undefined
        resolve(outcome)
      }
      this.#onStop = () => {
        onStopped()
        settle('stopped')
      }
      if (ms > 0) timer = setTimeout(() => settle(onTimeout()), ms)
      work(settle)
    })
  }
}
