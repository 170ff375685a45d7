// One service under the runner's care: the Fastify plugin that drives its lifecycle through
// avvio (init in the plugin body, stop from onClose hooks) and the state that goes with it.
import type { FastifyInstance, FastifyPluginCallback } from 'fastify'
import type { Level, Logger } from 'pino'
import type { AnyFastifyPlugin, LifecycleState, LifecycleWatch, ServiceContext, ServiceDefinition, ServiceHealth, ServicePhase, ServiceTimeouts, UpgradeInfo } from '../types/index.ts'
import { DISPLAY_NAME, PLUGIN_META, SKIP_OVERRIDE, type ServiceSpec } from './define-service.ts'
import {
  FSR_ERR_NOT_READY,
  FSR_ERR_SERVICE_RUN,
  FSR_ERR_SERVICE_START,
  FSR_ERR_SERVICE_STOP,
  FSR_ERR_TIMEOUT,
  messageOf,
} from './errors.ts'
import type { HealthRegistry, Source as HealthSource } from './health-registry.ts'
import type { LifecycleWatchHub } from './lifecycle-watch.ts'
import { Lifecycle, type TransitionListener } from './lifecycle.ts'
import type { CloseInReverse, ClosingService } from './close-in-reverse.ts'
import type { ServiceLog } from './service-log.ts'
import { invoke, isPromiseLike, withTimeout, type PhaseDeadline, type PhaseOwner } from './timeout.ts'

/** What a managed service needs from its runner. */
export interface ServiceHost {
  readonly log: Logger
  readonly upgrade: UpgradeInfo
  /** Fields added to every context by `runner.decorateContext`. */
  readonly contextFields: Readonly<Record<string, unknown>>
  /** The runner's health entries; this service's is added before its plugin loads. */
  readonly health: HealthRegistry
  /** The runner's lifecycle watchers (`ctx.watch`). */
  readonly watch: LifecycleWatchHub
  /** Bounds the phases that run one at a time (init, ready, stop, the wait for run). */
  readonly deadline: PhaseDeadline
  /** Queues every service's stop on the root instance's onClose hooks. */
  readonly closing: CloseInReverse
  /**
   * The context of the service whose plugin is loading, which `app.service` resolves to meanwhile;
   * each service sets it as it begins to load and clears it when done. (Fields, not methods, of a
   * host made per runner: code optimized to call one runner's closures is thrown away with it.)
   */
  loading: ServiceContext | undefined
  /** The runner's onTransition hooks: `announce` calls them, and is called only when there are any. */
  readonly transitionHooks: readonly unknown[]
  announce (lifecycle: Lifecycle): void
}

/** The phases a service waits for, one at a time. */
type Phase = 'init' | 'ready' | 'stop' | 'run'

/** The reason `ctx.signal` gives when a service is stopped. */
const STOPPING = Object.freeze(new Error('the service is stopping'))

type StartError = InstanceType<typeof FSR_ERR_SERVICE_START> & { service: string, phase: ServicePhase }

/** `ctx` of one service. Its logger, signal and health handle are made on first use: most services never read some of them. */
class Context {
  readonly name: string
  readonly app: FastifyInstance
  readonly upgrade: UpgradeInfo
  readonly #service: ManagedService

  constructor (service: ManagedService, app: FastifyInstance, host: ServiceHost) {
    Object.assign(this, host.contextFields)
    this.name = service.spec.name
    this.app = app
    this.upgrade = host.upgrade
    this.#service = service
  }

  get log (): Logger { return this.#service.log }
  get signal (): AbortSignal { return this.#service.signal }
  get health (): ServiceHealth { return this.#service.health }
  get watch (): LifecycleWatch { return this.#service.watch }
}

export class ManagedService implements ServiceLog, ClosingService, PhaseOwner, TransitionListener {
  readonly spec: ServiceSpec
  readonly timeouts: Required<ServiceTimeouts>
  readonly lifecycle: Lifecycle
  /** The reason the service could not start, once it failed to. */
  startError: StartError | undefined
  /** The reason the service did not stop cleanly, once it failed to. */
  stopError: Error | undefined
  #host: ServiceHost
  #health: HealthSource
  // Made on first use, like the AbortController: one per service adds up, and most never need it.
  #log: Logger | undefined
  #abort: AbortController | undefined
  #abortReason: unknown
  #ctx: ServiceContext | undefined
  #initDone = false
  #run: Promise<unknown> | undefined
  /** The phase the service waits for (the runner's deadline tells it how that ended). */
  #phase: Phase | undefined
  /** avvio's callback while the service's plugin loads. */
  #loaded: ((err?: Error) => void) | undefined
  /** Who waits for the stop step under way (the wait for `stop`, or for `run`). */
  #stepOwner: PhaseOwner | undefined

  /** Throws FSR_ERR_UNKNOWN_SERVICE for a health `follow` of a name not registered yet. */
  constructor (spec: ServiceSpec, defaults: Required<ServiceTimeouts>, host: ServiceHost) {
    this.spec = spec
    // Most services keep the runner's timeouts: they share its object.
    this.timeouts = hasNoKeys(spec.timeouts) ? defaults : { ...defaults, ...spec.timeouts }
    this.#host = host
    // One clock read for both: registered, and of unknown health, since now.
    const created = Date.now()
    this.#health = host.health.add(spec.name, spec.health, this, created)
    this.lifecycle = new Lifecycle(spec.name, this, this, Date.now, created)
  }

  /** The service's logger (`ctx.log`): a child of the runner's with `service` bound. */
  get log (): Logger {
    this.#log ??= this.#host.log.child({ service: this.spec.name })
    return this.#log
  }

  /** Whether the service's logger writes at `level`, without making it. */
  isLevelEnabled (level: Level): boolean {
    return (this.#log ?? this.#host.log).isLevelEnabled(level)
  }

  get health (): ServiceHealth {
    return this.#host.health.handle(this.spec.name)
  }

  /** `ctx.watch`: the runner's watchers, ending when this service's signal aborts. */
  get watch (): LifecycleWatch {
    return this.#host.watch.of(this)
  }

  /** Its health entry follows every move of the lifecycle (TransitionListener). */
  onTransition (lifecycle: Lifecycle, to: LifecycleState, error: Error | undefined, at: number): void {
    this.#host.health.onTransition(this.#health, to, error, at)
    if (this.#host.transitionHooks.length > 0) this.#host.announce(lifecycle)
  }

  /** The plugin to register on the root instance; it shares its parent's context, as with fastify-plugin. */
  createPlugin (): FastifyPluginCallback {
    // A callback plugin: avvio goes on when `done` is called. A plugin that returns a promise costs
    // every service that promise, and avvio's closures and tick to hear of it.
    const plugin = (app: FastifyInstance, _options: unknown, done: (err?: Error) => void): void => this.#start(app, done)
    // What fastify-plugin would set, without its per-name alias property (`plugin.serviceName`),
    // which gives every service's function a hidden class of its own: no new context, and the name
    // Fastify and avvio know the plugin by (`hasPlugin`, `dependencies`, the plugin tree).
    // No `fastify` version range: the runner made the instance itself. Stored one by one, in the
    // same order for every service (quicker than Object.assign from a fresh literal).
    plugin[SKIP_OVERRIDE] = true
    plugin[DISPLAY_NAME] = this.spec.name
    plugin[PLUGIN_META] = { name: this.spec.name }
    return plugin
  }

  /**
   * Loads the service: init, then run and ready, each bounded by its timeout. Each phase that
   * returns a promise is waited for through the runner's deadline (`phaseDone`, `phaseFailed`);
   * `done` hears how the load ended, with an error that names the phase.
   */
  #start (app: FastifyInstance, done: (err?: Error) => void): void {
    this.#loaded = done
    // onClose hooks run last-in first-out: `finishStop` runs after every hook the service adds,
    // `beginStop` before them.
    this.#host.closing.loading(this)
    try {
      const at = this.lifecycle.transition('initiating')
      const ctx = new Context(this, app, this.#host) as unknown as ServiceContext
      this.#ctx = ctx
      // Polled from `running` until `shutting-down` (the registry follows the lifecycle).
      const check = this.spec.definition?.check
      if (check !== undefined) this.#host.health.setCheck(this.spec.name, () => check(ctx))
      this.#host.loading = ctx
      let init: unknown
      try {
        init = this.#init(app, ctx)
      } catch (cause) {
        this.#loadEnded(this.#failStart('init', cause))
        return
      }
      // Waited for only when it returns a promise: without an init, or with a synchronous one, no tick is spent.
      if (isPromiseLike(init)) this.#waitFor('init', init, this.timeouts.init, at, undefined)
      else this.#initiated()
    } catch (err) {
      this.#loadEnded(err as Error)
    }
  }

  /** Calls the service's init (or registers its plugin); a synchronous throw is the caller's to catch. */
  #init (app: FastifyInstance, ctx: ServiceContext): unknown {
    const { spec } = this
    if (spec.plugin !== undefined) return registerPlugin(app, spec.plugin, spec.pluginOptions)
    return spec.definition?.init?.(ctx)
  }

  /** init is done: `run` starts, and `ready` (if any) is waited for. */
  #initiated (): void {
    this.#initDone = true
    // The moves that follow at once share the time of the first.
    const at = this.lifecycle.transition('initiated')
    this.lifecycle.transition('starting', undefined, at)
    const ctx = this.#ctx as ServiceContext
    const run = this.spec.definition?.run
    if (run !== undefined) {
      this.#run = invoke(run, ctx)
      this.#run.then(() => this.#onRunEnded(undefined), (err) => this.#onRunEnded(err))
    }
    const ready = this.spec.definition?.ready
    if (ready === undefined) this.#started(at)
    else this.#waitFor('ready', this.#ready(ready, ctx), this.timeouts.ready, at, undefined)
  }

  #started (at?: number): void {
    this.lifecycle.transition('running', undefined, at)
    this.#loadEnded(undefined)
  }

  /** The service has loaded (started or failed): avvio hears of it, once. */
  #loadEnded (err: Error | undefined): void {
    const done = this.#loaded
    if (done === undefined) {
      // Thrown after the load ended (by what avvio went on to do): not the load's to report.
      if (err !== undefined) throw err
      return
    }
    this.#loaded = undefined
    this.#host.loading = undefined
    // Also after a failed start: a service whose init completed holds resources to release.
    this.#host.closing.loaded(this)
    done(err)
  }

  async #ready (ready: NonNullable<ServiceDefinition['ready']>, ctx: ServiceContext): Promise<void> {
    // While `ready` is awaited, a run that ends in failure fails the start too.
    const runFailure = this.#run?.then(() => new Promise<never>(() => {}))
    const isReady = await (runFailure === undefined ? ready(ctx) : Promise.race([ready(ctx), runFailure]))
    if (!isReady) throw new FSR_ERR_NOT_READY(this.spec.name, String(isReady))
  }

  #waitFor (phase: Phase, work: PromiseLike<unknown>, ms: number, since: number, stepOwner: PhaseOwner | undefined): void {
    this.#phase = phase
    this.#stepOwner = stepOwner
    this.#host.deadline.wait(work, ms, since, this.spec.name, phase, this)
  }

  /** The phase waited for is over (PhaseOwner). */
  phaseDone (): void {
    const phase = this.#phase
    this.#phase = undefined
    if (phase === 'init' || phase === 'ready') {
      try {
        if (phase === 'init') this.#initiated()
        else this.#started()
      } catch (err) {
        this.#loadEnded(err as Error)
      }
      return
    }
    if (phase === 'run') this.#recordStop()
    this.#stepDone()
  }

  /** The phase waited for failed or ran out of time (PhaseOwner). */
  phaseFailed (err: unknown): void {
    const phase = this.#phase
    this.#phase = undefined
    if (phase === 'init' || phase === 'ready') return this.#loadEnded(this.#failStart(phase, err))
    if (phase === 'stop') this.#failStop(err)
    else {
      // Only the time can fail the wait for `run`: its outcome was told as it ended.
      this.stopError ??= new FSR_ERR_SERVICE_STOP(this.spec.name, messageOf(err), { cause: err })
      this.#recordStop()
    }
    this.#stepDone()
  }

  #stepDone (): void {
    const owner = this.#stepOwner
    this.#stepOwner = undefined
    owner?.phaseDone()
  }

  get signal (): AbortSignal {
    if (this.#abort === undefined) {
      this.#abort = new AbortController()
      if (this.#abortReason !== undefined) this.#abort.abort(this.#abortReason)
    }
    return this.#abort.signal
  }

  /** Aborts ctx.signal (now, or when first read). Always with a reason: without one, abort() builds a DOMException with a stack. */
  #abortWith (reason: unknown): void {
    if (this.#abortReason !== undefined) return
    this.#abortReason = reason
    this.#abort?.abort(reason)
  }

  /** Marks the service failed in `phase`; returns the error `start()` rejects with. */
  #failStart (phase: 'init' | 'ready', cause: unknown): StartError {
    const err = new FSR_ERR_SERVICE_START(this.spec.name, phase, messageOf(cause), { cause }) as StartError
    err.service = this.spec.name
    err.phase = phase
    this.startError = err
    this.#abortWith(err)
    this.lifecycle.transition('failed', err)
    return err
  }

  #onRunEnded (err: unknown): void {
    // Before `running` a failure belongs to the start (see `ready`); after it, to the stop.
    if (this.lifecycle.state !== 'running' || this.#abortReason !== undefined) return
    if (err === undefined) {
      this.log.info('service run ended')
      return
    }
    this.lifecycle.transition('failed', new FSR_ERR_SERVICE_RUN(this.spec.name, messageOf(err), { cause: err }))
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
    const limit = this.timeouts.stop
    // Drains run side by side: each has a timer of its own.
    await withTimeout(invoke(hook, ctx), limit, () => new FSR_ERR_TIMEOUT(this.spec.name, name, limit))
  }

  /**
   * First stop step: abort the signal and call `stop` (only for a service whose init completed).
   * True when it waits for the promise `stop` returned; `owner` hears when that is over. Services
   * without a `stop` cost their runner no tick.
   */
  beginStop (owner: PhaseOwner): boolean {
    const state = this.lifecycle.state
    if (!this.#initDone || state === 'stopped' || state === 'shutting-down') return false
    this.#abortWith(STOPPING)
    const at = this.lifecycle.transition('shutting-down')
    const stop = this.spec.definition?.stop
    const ctx = this.#ctx
    if (stop === undefined || ctx === undefined) return false
    let stopping: unknown
    try {
      stopping = stop(ctx)
    } catch (cause) {
      this.#failStop(cause)
      return false
    }
    if (!isPromiseLike(stopping)) return false
    this.#waitFor('stop', stopping, this.timeouts.stop, at, owner)
    return true
  }

  #failStop (cause: unknown): void {
    this.stopError = new FSR_ERR_SERVICE_STOP(this.spec.name, messageOf(cause), { cause })
  }

  /** Last stop step: wait (bounded) for `run` to settle, then record the outcome. True when it waits (a service with `run`). */
  finishStop (owner: PhaseOwner): boolean {
    if (this.lifecycle.state !== 'shutting-down') return false
    if (this.#run === undefined) {
      this.#recordStop()
      return false
    }
    this.#waitFor('run', this.#run.then(ignore, ignore), this.timeouts.stop, Date.now(), owner)
    return true
  }

  #recordStop (): void {
    if (this.stopError === undefined) this.lifecycle.transition('stopped')
    else this.lifecycle.transition('failed', this.stopError)
  }
}

function ignore (): void {}

/** Whether `object` has no own enumerable key, without building the array Object.keys would. */
function hasNoKeys (object: object): boolean {
  for (const key in object) if (Object.hasOwn(object, key)) return false
  return true
}

/** Registers the plugin of a plain-plugin service; resolves once it has loaded. */
async function registerPlugin (app: FastifyInstance, plugin: AnyFastifyPlugin, options: Readonly<Record<string, unknown>>): Promise<void> {
  await app.register(plugin, options)
}
