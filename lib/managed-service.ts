// One service under the runner's care: the Fastify plugin that drives its lifecycle through
// avvio (init in the plugin body, stop from onClose hooks) and the state that goes with it.
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import type { Level, Logger } from 'pino'
import type { ServiceContext, ServiceDefinition, ServiceHealth, ServicePhase, ServiceTimeouts, UpgradeInfo } from '../types/index.ts'
import type { ServiceSpec } from './define-service.ts'
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
import { invoke, withTimeout, type PhaseDeadline } from './timeout.ts'

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

// The properties fastify-plugin gives a plugin; Fastify and avvio read them.
const SKIP_OVERRIDE = Symbol.for('skip-override')
const DISPLAY_NAME = Symbol.for('fastify.display-name')
const PLUGIN_META = Symbol.for('plugin-meta')

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
    this.timeouts = Object.keys(spec.timeouts).length === 0 ? defaults : { ...defaults, ...spec.timeouts }
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
    const plugin = async (app: FastifyInstance): Promise<void> => await this.#body(app)
    // What fastify-plugin would set, without its per-name alias property (`plugin.serviceName`),
    // which gives every service's function a hidden class of its own: no new context, and the name
    // Fastify and avvio know the plugin by (`hasPlugin`, `dependencies`, the plugin tree).
    // No `fastify` version range: the runner made the instance itself.
    return Object.assign(plugin, {
      [SKIP_OVERRIDE]: true,
      [DISPLAY_NAME]: this.spec.name,
      [PLUGIN_META]: { name: this.spec.name },
    })
  }

  async #body (app: FastifyInstance): Promise<void> {
    this.lifecycle.transition('initiating')
    // onClose hooks run last-in first-out: `finishStop` runs after every hook the service adds,
    // `beginStop` before them.
    this.#host.closing.loading(this)
    try {
      await this.#load(app)
    } finally {
      this.#host.setLoading(undefined)
      // Also after a failed start: a service whose init completed holds resources to release.
      this.#host.closing.loaded(this)
    }
  }

  async #load (app: FastifyInstance): Promise<void> {
    const { spec } = this
    const ctx = new Context(this, app, this.#host) as unknown as ServiceContext
    this.#ctx = ctx
    // Polled from `running` until `shutting-down` (the registry follows the lifecycle).
    const check = spec.definition?.check
    if (check !== undefined) this.#host.health.setCheck(spec.name, () => check(ctx))
    this.#host.setLoading(ctx)

    await this.#phase('init', this.#init(app, ctx))
    this.#initDone = true
    this.lifecycle.transition('initiated')

    this.lifecycle.transition('starting')
    const run = spec.definition?.run
    if (run !== undefined) {
      this.#run = invoke(run, ctx)
      this.#run.then(() => this.#onRunEnded(undefined), (err) => this.#onRunEnded(err))
    }
    const ready = spec.definition?.ready
    if (ready !== undefined) await this.#phase('ready', this.#ready(ready, ctx))
    this.lifecycle.transition('running')
  }

  async #init (app: FastifyInstance, ctx: ServiceContext): Promise<void> {
    const { spec } = this
    if (spec.plugin !== undefined) await app.register(spec.plugin, spec.pluginOptions)
    else if (spec.definition?.init !== undefined) await spec.definition.init(ctx)
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

  /** Runs one start phase within its timeout; a failure marks the service failed and names the phase. */
  async #phase (phase: 'init' | 'ready', work: Promise<unknown>): Promise<void> {
    const limit = this.timeouts[phase]
    try {
      await this.#host.deadline.bound(work, limit, () => new FSR_ERR_TIMEOUT(this.spec.name, phase, limit))
    } catch (cause) {
      const err = new FSR_ERR_SERVICE_START(this.spec.name, phase, messageOf(cause), { cause }) as StartError
      err.service = this.spec.name
      err.phase = phase
      this.startError = err
      this.#abortWith(err)
      this.lifecycle.transition('failed', err)
      throw err
    }
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

  /** First onClose step: abort the signal and call `stop` (only for a service whose init completed). */
  async beginStop (): Promise<void> {
    const state = this.lifecycle.state
    if (!this.#initDone || state === 'stopped' || state === 'shutting-down') return
    this.#abortWith(STOPPING)
    this.lifecycle.transition('shutting-down')
    const stop = this.spec.definition?.stop
    if (stop === undefined || this.#ctx === undefined) return
    const ctx = this.#ctx
    const limit = this.timeouts.stop
    try {
      await this.#host.deadline.bound(invoke(stop, ctx), limit, () => new FSR_ERR_TIMEOUT(this.spec.name, 'stop', limit))
    } catch (cause) {
      this.stopError = new FSR_ERR_SERVICE_STOP(this.spec.name, messageOf(cause), { cause })
    }
  }

  /** Last onClose step: wait (bounded) for `run` to settle, then record the outcome. */
  async finishStop (): Promise<void> {
    if (this.lifecycle.state !== 'shutting-down') return
    if (this.#run !== undefined) {
      const limit = this.timeouts.stop
      const settled = this.#run.then(() => undefined, () => undefined)
      try {
        await this.#host.deadline.bound(settled, limit, () => new FSR_ERR_TIMEOUT(this.spec.name, 'run', limit))
      } catch (err) {
        this.stopError ??= new FSR_ERR_SERVICE_STOP(this.spec.name, messageOf(err), { cause: err })
      }
    }
    if (this.stopError === undefined) this.lifecycle.transition('stopped')
    else this.lifecycle.transition('failed', this.stopError)
  }
}
