// One service under the runner's care: its lifecycle as two async calls (start, stop), each phase
// bounded by its timeout, and the Fastify plugin that runs them through avvio (start in the plugin
// body, stop from the onClose hook it adds, so services stop in reverse registration order).
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import type { Level, Logger } from 'pino'
import type {
  AnyFastifyPlugin,
  LifecycleState,
  ServiceContext,
  ServiceDefinition,
  ServicePhase,
  ServiceTimeouts,
  WorkerSnapshot,
} from '../types/index.ts'
import { DISPLAY_NAME, PLUGIN_META, SKIP_OVERRIDE, type ServiceSpec } from './define-service.ts'
import {
  FSR_ERR_NOT_READY,
  FSR_ERR_SERVICE_RUN,
  FSR_ERR_SERVICE_START,
  FSR_ERR_SERVICE_STOP,
  messageOf,
} from './errors.ts'
import type { HealthRegistry, Source as HealthSource } from './health-registry.ts'
import type { LevelFollower } from './level-follow.ts'
import { Lifecycle, type TransitionListener } from './lifecycle.ts'
import type { ServiceLog } from './service-log.ts'
import { Supervisor } from './supervisor.ts'
import { invoke } from './timeout.ts'
import { Context, Life, type ServiceHost } from './service-context.ts'
import { type WorkerHost, WorkerSet } from './worker-context.ts'

/** The reason `ctx.signal` gives when a service is stopped. */
const STOPPING = Object.freeze(new Error('the service is stopping'))
const NO_FIELDS: Record<string, unknown> = Object.freeze({})

type StartError = InstanceType<typeof FSR_ERR_SERVICE_START> & { service: string, phase: ServicePhase }

export class ManagedService implements ServiceLog, TransitionListener, WorkerHost, LevelFollower {
  readonly spec: ServiceSpec
  readonly timeouts: Required<ServiceTimeouts>
  readonly lifecycle: Lifecycle
  /** The reason the service could not start, once it failed to. */
  startError: StartError | undefined
  /** The reason the service did not stop cleanly, once it failed to. */
  stopError: Error | undefined
  /** Restarts the service as its `restart` option says; undefined without one. */
  readonly supervisor: Supervisor | undefined
  #host: ServiceHost
  #health: HealthSource
  // Made on first use: most services never read it.
  #log: Logger | undefined
  // The latest life (a start, or a task's attempt) and its ctx.
  #life: Life | undefined
  #ctx: ServiceContext | undefined
  #initDone = false
  #run: Promise<unknown> | undefined
  #ownContextFields: Record<string, unknown> | undefined

  /** Throws FSR_ERR_UNKNOWN_SERVICE for a health `follow` of a name not registered yet. */
  constructor (spec: ServiceSpec, defaults: Required<ServiceTimeouts>, host: ServiceHost) {
    this.spec = spec
    // Most services keep the runner's timeouts: they share its object.
    this.timeouts = Object.keys(spec.timeouts).length === 0 ? defaults : { ...defaults, ...spec.timeouts }
    this.#host = host
    // One clock read for both: registered, and of unknown health, since now.
    const created = Date.now()
    this.#health = host.health.add(spec.name, spec.health, this, created)
    this.lifecycle = new Lifecycle(spec.name, this, this, Date.now, created, host.topics.runnerTopic('fsr.lifecycle'))
    const { restart } = spec
    this.supervisor = restart.policy === 'never' && restart.whenUnhealthyFor === undefined ? undefined : new Supervisor(this, restart, host.supervision)
  }

  /** The fields `runner.decorateContextPerService` made for this service, the same in every life. */
  get ownContextFields (): Readonly<Record<string, unknown>> {
    if (this.#ownContextFields === undefined) {
      const factories = Object.entries(this.#host.contextFactories)
      // Most runners have no such field: their services share one empty object.
      this.#ownContextFields = factories.length === 0 ? NO_FIELDS : {}
      for (const [field, make] of factories) this.#ownContextFields[field] = make(this.spec.name)
    }
    return this.#ownContextFields
  }

  /** The service's logger (`ctx.log`): a child of the runner's with `service` bound. */
  get log (): Logger {
    if (this.#log === undefined) {
      this.#log = this.#host.log.child({ service: this.spec.name })
      this.#host.levels.add(this.#log, this)
    }
    return this.#log
  }

  /** Its logger was set to `level`: the live workers of the latest life log at it too. */
  followLevel (level: string): void {
    this.#life?.workers.setLevel(level)
  }

  /** Whether the service's logger writes at `level`, without making it. */
  isLevelEnabled (level: Level): boolean {
    return (this.#log ?? this.#host.log).isLevelEnabled(level)
  }

  /** WorkerHost: a worker's logger is a child of the runner's, at the level of this service's. */
  get rootLog (): Logger { return this.#host.log }
  serviceLog (): Logger { return this.log }
  get healthRegistry (): HealthRegistry { return this.#host.health }

  /** The workers of the latest life, nested ones included; undefined when it made none. */
  workers (): WorkerSnapshot[] | undefined {
    const workers = this.#life?.workers.snapshot()
    return workers === undefined || workers.length === 0 ? undefined : workers
  }

  /** A new life (a start, or a task's next attempt), with its own ctx, signal and no workers yet. */
  #newLife (app: FastifyInstance): ServiceContext {
    const life = new Life(new WorkerSet(this.spec.name, this.spec.name, this))
    const ctx = new Context(this, app, this.#host, life) as unknown as ServiceContext
    this.#life = life
    this.#ctx = ctx
    return ctx
  }

  /** Its health entry follows every move of the lifecycle (TransitionListener). */
  onTransition (lifecycle: Lifecycle, to: LifecycleState, error: Error | undefined, at: number): void {
    this.#host.health.onTransition(this.#health, to, error, at)
    if (this.#host.transitionHooks.length > 0) this.#host.announce(lifecycle)
    this.supervisor?.onTransition(to, error, at)
  }

  /** Escalation `degrade`: the service, given up on, says it is degraded rather than unhealthy (its life is over: not through its ctx). */
  reportDegraded (reason: string): void {
    this.#host.health.handle(this.spec.name).report('degraded', { reason })
  }

  /** From the onClose hook: a restart under way finishes first, so the runner's stop never overlaps it. */
  #stopLast (): Promise<void> {
    const { supervisor } = this
    if (supervisor === undefined) return this.stop()
    supervisor.cancel()
    return supervisor.settled().then(() => this.stop())
  }

  /** The plugin to register on the root instance; it shares its parent's context, as with fastify-plugin. */
  createPlugin (): FastifyPluginAsync {
    const plugin = (app: FastifyInstance): Promise<void> => {
      this.supervisor?.attach(app)
      const started = this.start(app)
      // Added once the start settles (before avvio, which hears of it after this, loads the next
      // service), so it runs before the onClose hooks init added (Fastify runs them last in, first
      // out); also after a failed start, since a completed init holds resources.
      const addStop = (): void => { app.addHook('onClose', () => this.#stopLast()) }
      started.then(addStop, addStop)
      return started
    }
    // What fastify-plugin would set: no new context, and the name Fastify and avvio know the
    // plugin by (`hasPlugin`, `dependencies`, the plugin tree). No `fastify` version range: the
    // runner made the instance itself.
    plugin[SKIP_OVERRIDE] = true
    plugin[DISPLAY_NAME] = this.spec.name
    plugin[PLUGIN_META] = { name: this.spec.name }
    return plugin
  }

  /**
   * init, then run begun, then ready (when the service has one), each bounded by its timeout.
   * Rejects with FSR_ERR_SERVICE_START naming the phase that failed or ran out of time.
   */
  async start (app: FastifyInstance): Promise<void> {
    // A stop that came during the boot: the services after the one it found starting never load.
    if (this.#host.isStopping()) return
    this.lifecycle.transition('initiating')
    // What one life of the service leaves behind, so that a stopped or failed service can start again.
    this.startError = undefined
    this.stopError = undefined
    this.#initDone = false
    this.#run = undefined
    const ctx = this.#newLife(app)
    // Polled from `running` until `shutting-down` (the registry follows the lifecycle).
    const check = this.spec.definition?.check
    if (check !== undefined) this.#host.health.setCheck(this.spec.name, () => check(ctx))
    this.#host.loading = ctx
    try {
      try {
        await this.#bounded('init', this.#init(app, ctx), this.timeouts.init)
      } catch (cause) {
        throw this.#failStart('init', cause)
      }
      this.#initDone = true
      const at = this.lifecycle.transition('initiated')
      this.lifecycle.transition('starting', undefined, at)
      const run = this.spec.definition?.run
      if (run !== undefined) {
        if (this.spec.definition?.once === true) return await this.#runTask(app, run, ctx)
        const running = invoke(run, ctx)
        this.#run = running
        running.then(() => this.#onRunEnded(running, undefined), (err: unknown) => this.#onRunEnded(running, err))
      }
      const ready = this.spec.definition?.ready
      if (ready !== undefined) {
        try {
          await this.#bounded('ready', this.#ready(ready, ctx), this.timeouts.ready)
        } catch (cause) {
          throw this.#failStart('ready', cause)
        }
      }
      this.lifecycle.transition('running')
    } finally {
      this.#host.loading = undefined
    }
  }

  /** Calls the service's init (or registers its plugin). */
  #init (app: FastifyInstance, ctx: ServiceContext): Promise<unknown> {
    const { spec } = this
    if (spec.plugin !== undefined) return registerPlugin(app, spec.plugin, spec.pluginOptions)
    const init = spec.definition?.init
    return init === undefined ? Promise.resolve() : invoke(init, ctx)
  }

  async #ready (ready: NonNullable<ServiceDefinition['ready']>, ctx: ServiceContext): Promise<void> {
    // While `ready` is awaited, a run that ends in failure fails the start too.
    const runFailure = this.#run?.then(() => new Promise<never>(() => {}))
    const isReady = await (runFailure === undefined ? ready(ctx) : Promise.race([ready(ctx), runFailure]))
    if (!isReady) throw new FSR_ERR_NOT_READY(this.spec.name, String(isReady))
  }

  /**
   * The boot waits for a task's run, bounded by `timeouts.ready`: resolved, the task is `completed`.
   * A failed attempt runs again after its restart policy's backoff, with the same init (a migration
   * is retried, not its pool reopened) and a new ctx, until the policy gives up and the boot fails.
   */
  async #runTask (app: FastifyInstance, run: NonNullable<ServiceDefinition['run']>, ctx: ServiceContext): Promise<void> {
    for (;;) {
      const running = invoke(run, ctx)
      this.#run = running
      try {
        await this.#bounded('run', running, this.timeouts.ready)
        break
      } catch (cause) {
        // Cut short by the runner's stop: not failed; its stop() ends it.
        if (this.#life?.reason === STOPPING) return
        const retry = this.supervisor?.retryTask('run-failed')
        if (retry === undefined) throw this.#failStart('run', cause)
        if (!(await this.#endAttempt(running, cause, retry))) return
      }
      ctx = this.#newLife(app)
      this.#host.loading = ctx
    }
    // Cut short by the runner's stop (however its run settled): not completed; its stop() ends it.
    if (this.#life?.reason === STOPPING) return
    this.lifecycle.transition('completed')
  }

  /** Ends a failed attempt of a task; true once the next may begin, false when the runner stops first. */
  async #endAttempt (running: Promise<unknown>, cause: unknown, retry: Promise<boolean>): Promise<boolean> {
    // The attempt hears why it failed (a timeout) and ends before the next begins: two runs never overlap.
    this.#abortWith(cause)
    try {
      await this.#bounded('run', running.then(ignore, ignore), this.timeouts.stop)
    } catch (err) {
      this.supervisor?.cancel()
      throw this.#failStart('run', err)
    }
    return await retry
  }

  /** Ends the latest life: its ctx.signal aborts with `reason`, its workers end. */
  #abortWith (reason: unknown): void {
    this.#life?.end(reason)
  }

  /** Marks the service failed in `phase`; returns the error `start()` rejects with. */
  #failStart (phase: 'init' | 'ready' | 'run', cause: unknown): StartError {
    const err = new FSR_ERR_SERVICE_START(this.spec.name, phase, messageOf(cause), { cause }) as StartError
    err.service = this.spec.name
    err.phase = phase
    this.startError = err
    this.#abortWith(err)
    this.lifecycle.transition('failed', err)
    return err
  }

  #onRunEnded (run: Promise<unknown>, err: unknown): void {
    // Before `running` a failure belongs to the start (see `ready`); after it, to the stop; the
    // run of an earlier life is over with that life.
    if (run !== this.#run || this.lifecycle.state !== 'running' || this.#life?.reason !== undefined) return
    if (err === undefined) {
      this.log.info('service run ended')
      this.supervisor?.ended('run-ended')
      return
    }
    this.lifecycle.transition('failed', new FSR_ERR_SERVICE_RUN(this.spec.name, messageOf(err), { cause: err }))
  }

  /** The runner stops while this service starts: its ctx.signal tells init or ready to give up. */
  cancelStart (): void {
    // A restart waiting out its backoff is not made any more.
    this.supervisor?.cancel()
    const { state } = this.lifecycle
    if (state === 'initiating' || state === 'starting') this.#abortWith(STOPPING)
  }

  hasHook (name: 'drain' | 'beforeUpgrade'): boolean {
    return this.spec.definition?.[name] !== undefined
  }

  /** Lets the service close long-lived connections politely when draining starts. */
  async drain (): Promise<void> {
    try {
      await this.#hook('drain')
    } catch (err) {
      this.log.warn({ err }, 'service drain failed')
    }
  }

  /** In the old process, before an upgrade hands over; a rejection cancels the upgrade. */
  async beforeUpgrade (): Promise<void> {
    await this.#hook('beforeUpgrade')
  }

  /** Runs an optional hook of a running service, bounded by the stop timeout. */
  async #hook (name: 'drain' | 'beforeUpgrade'): Promise<void> {
    const hook = this.spec.definition?.[name]
    const ctx = this.#ctx
    if (hook === undefined || ctx === undefined || this.lifecycle.state !== 'running') return
    await this.#bounded(name, invoke(hook, ctx), this.timeouts.stop)
  }

  #bounded (phase: string, work: Promise<unknown>, ms: number): Promise<unknown> {
    return this.#host.deadlines.bound(work, ms, this.spec.name, phase)
  }

  /**
   * Stops a service whose init completed: aborts ctx.signal, calls `stop`, then waits for `run` to
   * settle, each bounded by the stop timeout. Never rejects: a failure is kept in `stopError` and
   * the service ends `failed` instead of `stopped`.
   */
  async stop (): Promise<void> {
    const state = this.lifecycle.state
    const ctx = this.#ctx
    if (!this.#initDone || ctx === undefined || state === 'stopped' || state === 'shutting-down') return
    this.#abortWith(STOPPING)
    this.lifecycle.transition('shutting-down')
    const stop = this.spec.definition?.stop
    if (stop !== undefined) {
      try {
        await this.#bounded('stop', invoke(stop, ctx), this.timeouts.stop)
      } catch (cause) {
        this.stopError = new FSR_ERR_SERVICE_STOP(this.spec.name, messageOf(cause), { cause })
      }
    }
    if (this.#run !== undefined) {
      try {
        // Only the time can fail this wait: how `run` ended was told as it ended.
        await this.#bounded('run', this.#run.then(ignore, ignore), this.timeouts.stop)
      } catch (err) {
        this.stopError ??= new FSR_ERR_SERVICE_STOP(this.spec.name, messageOf(err), { cause: err })
      }
    }
    if (this.stopError === undefined) this.lifecycle.transition('stopped')
    else this.lifecycle.transition('failed', this.stopError)
  }
}

function ignore (): void {}

/** Registers the plugin of a plain-plugin service; resolves once it has loaded. */
async function registerPlugin (app: FastifyInstance, plugin: AnyFastifyPlugin, options: Readonly<Record<string, unknown>>): Promise<void> {
  await app.register(plugin, options)
}
