// One service under the runner's care: the Fastify plugin that drives its lifecycle through
// avvio (init in the plugin body, stop from onClose hooks) and the state that goes with it.
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import type { Level, Logger } from 'pino'
import type { AnyFastifyPlugin, ServiceContext, ServiceDefinition, ServiceHealth, ServicePhase, ServiceTimeouts, UpgradeInfo } from '../types/index.ts'
import { DISPLAY_NAME, PLUGIN_META, SKIP_OVERRIDE, type ServiceSpec } from './define-service.ts'
import {
  FSR_ERR_NOT_READY,
  FSR_ERR_SERVICE_RUN,
  FSR_ERR_SERVICE_START,
  FSR_ERR_SERVICE_STOP,
  FSR_ERR_TIMEOUT,
  messageOf,
} from './errors.ts'
import type { HealthRegistry } from './health-registry.ts'
import { Lifecycle, type TransitionListener } from './lifecycle.ts'
import type { CloseInReverse, ClosingService } from './close-in-reverse.ts'
import type { ServiceLog } from './service-log.ts'
import { invoke, isPromiseLike, withTimeout, type PhaseDeadline } from './timeout.ts'

/** What a managed service needs from its runner. */
export interface ServiceHost {
  readonly log: Logger
  readonly upgrade: UpgradeInfo
  /** Fields added to every context by `runner.decorateContext`. */
  readonly contextFields: Readonly<Record<string, unknown>>
  /** The runner's health entries; this service's is added before its plugin loads. */
  readonly health: HealthRegistry
  /** Bounds the phases that run one at a time (init, ready, stop, the wait for run). */
  readonly deadline: PhaseDeadline
  /** Queues every service's stop on the root instance's onClose hooks. */
  readonly closing: CloseInReverse
  /** Makes `app.service` resolve to `ctx` while the service's plugin loads (undefined when done). */
  setLoading (ctx: ServiceContext | undefined): void
  onTransition: TransitionListener
}

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
}

export class ManagedService implements ServiceLog, ClosingService {
  readonly spec: ServiceSpec
  readonly timeouts: Required<ServiceTimeouts>
  readonly lifecycle: Lifecycle
  /** The reason the service could not start, once it failed to. */
  startError: StartError | undefined
  /** The reason the service did not stop cleanly, once it failed to. */
  stopError: Error | undefined
  #host: ServiceHost
  // Made on first use, like the AbortController: one per service adds up, and most never need it.
  #log: Logger | undefined
  #abort: AbortController | undefined
  #abortReason: unknown
  #ctx: ServiceContext | undefined
  #initDone = false
  #run: Promise<unknown> | undefined

  constructor (spec: ServiceSpec, defaults: Required<ServiceTimeouts>, host: ServiceHost) {
    this.spec = spec
    // Most services keep the runner's timeouts: they share its object.
    this.timeouts = hasNoKeys(spec.timeouts) ? defaults : { ...defaults, ...spec.timeouts }
    this.#host = host
    this.lifecycle = new Lifecycle(spec.name, this, host.onTransition)
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

  /** The plugin to register on the root instance; it shares its parent's context, as with fastify-plugin. */
  createPlugin (): FastifyPluginAsync {
    // Not an async function: avvio awaits the promise it returns, and each async frame costs every
    // service a generator, a promise and the closures of its awaits.
    const plugin = (app: FastifyInstance): Promise<void> => this.#start(app)
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

  /** Loads the service: init, then run and ready, each bounded by its timeout; a failure names the phase. */
  async #start (app: FastifyInstance): Promise<void> {
    const { spec } = this
    this.lifecycle.transition('initiating')
    // onClose hooks run last-in first-out: `finishStop` runs after every hook the service adds,
    // `beginStop` before them.
    this.#host.closing.loading(this)
    try {
      const ctx = new Context(this, app, this.#host) as unknown as ServiceContext
      this.#ctx = ctx
      // Polled from `running` until `shutting-down` (the registry follows the lifecycle).
      const check = spec.definition?.check
      if (check !== undefined) this.#host.health.setCheck(spec.name, () => check(ctx))
      this.#host.setLoading(ctx)

      try {
        // Awaited only when it returns a promise: without an init, or with a synchronous one, no tick is spent.
        const init = this.#init(app, ctx)
        if (isPromiseLike(init)) await this.#host.deadline.bound(init, this.timeouts.init, spec.name, 'init')
      } catch (cause) {
        throw this.#failStart('init', cause)
      }
      this.#initDone = true
      this.lifecycle.transition('initiated')

      this.lifecycle.transition('starting')
      const run = spec.definition?.run
      if (run !== undefined) {
        this.#run = invoke(run, ctx)
        this.#run.then(() => this.#onRunEnded(undefined), (err) => this.#onRunEnded(err))
      }
      const ready = spec.definition?.ready
      if (ready !== undefined) {
        try {
          await this.#host.deadline.bound(this.#ready(ready, ctx), this.timeouts.ready, spec.name, 'ready')
        } catch (cause) {
          throw this.#failStart('ready', cause)
        }
      }
      this.lifecycle.transition('running')
    } finally {
      this.#host.setLoading(undefined)
      // Also after a failed start: a service whose init completed holds resources to release.
      this.#host.closing.loaded(this)
    }
  }

  /** Calls the service's init (or registers its plugin); a synchronous throw is the caller's to catch. */
  #init (app: FastifyInstance, ctx: ServiceContext): unknown {
    const { spec } = this
    if (spec.plugin !== undefined) return registerPlugin(app, spec.plugin, spec.pluginOptions)
    return spec.definition?.init?.(ctx)
  }

  async #ready (ready: NonNullable<ServiceDefinition['ready']>, ctx: ServiceContext): Promise<void> {
    // While `ready` is awaited, a run that ends in failure fails the start too.
    const runFailure = this.#run?.then(() => new Promise<never>(() => {}))
    const isReady = await (runFailure === undefined ? ready(ctx) : Promise.race([ready(ctx), runFailure]))
    if (!isReady) throw new FSR_ERR_NOT_READY(this.spec.name, String(isReady))
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
   * First onClose step: abort the signal and call `stop` (only for a service whose init completed).
   * A promise only when `stop` returned one: services without a `stop` cost their runner no tick.
   */
  beginStop (): Promise<void> | undefined {
    const state = this.lifecycle.state
    if (!this.#initDone || state === 'stopped' || state === 'shutting-down') return undefined
    this.#abortWith(STOPPING)
    this.lifecycle.transition('shutting-down')
    const stop = this.spec.definition?.stop
    const ctx = this.#ctx
    if (stop === undefined || ctx === undefined) return undefined
    let stopping: unknown
    try {
      stopping = stop(ctx)
    } catch (cause) {
      this.#failStop(cause)
      return undefined
    }
    if (!isPromiseLike(stopping)) return undefined
    return this.#host.deadline.bound(stopping, this.timeouts.stop, this.spec.name, 'stop')
      .then(undefined, (cause: unknown) => this.#failStop(cause))
  }

  #failStop (cause: unknown): void {
    this.stopError = new FSR_ERR_SERVICE_STOP(this.spec.name, messageOf(cause), { cause })
  }

  /** Last onClose step: wait (bounded) for `run` to settle, then record the outcome. A promise only for a service with `run`. */
  finishStop (): Promise<void> | undefined {
    if (this.lifecycle.state !== 'shutting-down') return undefined
    if (this.#run === undefined) {
      this.#recordStop()
      return undefined
    }
    return this.#waitForRun(this.#run)
  }

  async #waitForRun (run: Promise<unknown>): Promise<void> {
    const settled = run.then(() => undefined, () => undefined)
    try {
      await this.#host.deadline.bound(settled, this.timeouts.stop, this.spec.name, 'run')
    } catch (err) {
      this.stopError ??= new FSR_ERR_SERVICE_STOP(this.spec.name, messageOf(err), { cause: err })
    }
    this.#recordStop()
  }

  #recordStop (): void {
    if (this.stopError === undefined) this.lifecycle.transition('stopped')
    else this.lifecycle.transition('failed', this.stopError)
  }
}

/** Whether `object` has no own enumerable key, without building the array Object.keys would. */
function hasNoKeys (object: object): boolean {
  for (const key in object) if (Object.hasOwn(object, key)) return false
  return true
}

/** Registers the plugin of a plain-plugin service; resolves once it has loaded. */
async function registerPlugin (app: FastifyInstance, plugin: AnyFastifyPlugin, options: Readonly<Record<string, unknown>>): Promise<void> {
  await app.register(plugin, options)
}
