// createRunner: the root Fastify instance, the ordered set of services, start and stop. The stop's
// steps are in shutdown-sequence.ts, the sockets and generation of an upgrade in handover.ts, the
// built-ins' hooks in runner-hooks.ts, one service's lifecycle in managed-service.ts.
import { fastify, type FastifyBaseLogger, type FastifyInstance, type FastifyPluginOptions, type FastifyServerOptions } from 'fastify'
import type { AddressInfo } from 'node:net'
import type {
  AnyFastifyPlugin,
  RegisterOptions,
  Runner,
  RunnerHooks,
  RunnerOptions,
  RunnerStatus,
  Service,
  ServiceContext,
  ServiceHealth,
  ServiceStateSnapshot,
  UpgradeOutcome,
} from '../types/index.ts'
import { Deadlines } from './deadlines.ts'
import { SERVICE_NAME, SERVICE_NAME_RULE, toServiceSpec } from './define-service.ts'
import { ServerDrain } from './drain-server.ts'
import {
  FSR_ERR_ALREADY_STARTED,
  FSR_ERR_DUPLICATE_SERVICE,
  FSR_ERR_INVALID_ARGUMENT,
  FSR_ERR_NO_SERVICE_CONTEXT,
  FSR_ERR_START_INTERRUPTED,
  FSR_ERR_UNKNOWN_DEPENDENCY,
} from './errors.ts'
import { Handover } from './handover.ts'
import { HealthRegistry } from './health-registry.ts'
import { LevelFollow } from './level-follow.ts'
import { LifecycleWatchHub } from './lifecycle-watch.ts'
import { createLogger } from './logger.ts'
import type { Lifecycle } from './lifecycle.ts'
import { ManagedService } from './managed-service.ts'
import type { ServiceHost } from './service-context.ts'
import { describe, resolveRunnerOptions } from './options.ts'
import { serviceLogOf } from './service-log.ts'
import { PrestartPipeline } from './prestart.ts'
import { checkBeforeStart, createProcessControl, type ProcessControl } from './process-control.ts'
import { HookRegistry } from './runner-hooks.ts'
import { runShutdown } from './shutdown-sequence.ts'
import { TopicRegistry } from './topic-registry.ts'

/**
 * Fastify's per-request logger. A child logger (with the request id bound) costs every request
 * about as much as the route itself; when the level is `silent` nothing can be written, so the
 * request shares its instance's logger, as Fastify does when it has no logger at all. A route's
 * own level or serializers still get a child.
 */
const requestLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = (logger, bindings, options) => {
  if (logger.level === 'silent' && options.level === undefined && options.serializers === undefined) return logger
  return logger.child(bindings, options)
}

/** The fields every service context has of its own: `decorateContext` may not replace them. */
const OWN_CONTEXT_FIELDS = ['name', 'app', 'log', 'signal', 'health', 'upgrade', 'watch', 'attempt', 'child', 'topics']

/** What the package's face gives the core runner besides the options: the built-ins' log mixin. */
export interface RunnerInternals {
  readonly logMixin?: () => object
}

export function createRunner (input: RunnerOptions = {}, internals: RunnerInternals = {}): Runner {
  const options = resolveRunnerOptions(input)
  const log = createLogger(options, internals.logMixin)
  const serverOptions: FastifyServerOptions = options.fastify
  const app: FastifyInstance = fastify({
    childLoggerFactory: requestLogger,
    ...serverOptions,
    loggerInstance: log as FastifyBaseLogger,
    // Our own init/ready timeouts bound every service; avvio's must never fire first.
    pluginTimeout: 0,
  })
  const services = new Map<string, ManagedService>()
  const hooks = new HookRegistry(log)
  // Created first: the lifecycle, health and supervision publish on its `fsr.*` topics.
  const topics = new TopicRegistry(log)
  // Every service's health, plus entries that are not services (the built-in `process`).
  const health = new HealthRegistry(log, options.health, Date.now, (name, duration, isFailure) => hooks.call('onHealthCheck', name, duration, isFailure), topics.runnerTopic('fsr.health'))
  // Encapsulated contexts created while a service loads belong to that service.
  const owners = new WeakMap<object, ServiceContext>()
  let status: RunnerStatus = 'created'
  let stopping: Promise<void> | undefined
  let control: ProcessControl | undefined
  const drain = new ServerDrain(app.server)
  // Sockets inherited from systemd or the previous generation, and the ones to hand to the next.
  const handover = new Handover(log)
  // Fields the built-in plugins add to every ctx (runner.decorateContext), and those made per service.
  const contextFields: Record<string, unknown> = {}
  const contextFactories: Record<string, (service: string) => unknown> = {}
  const prestart = new PrestartPipeline(options, log, handover.info)
  // A restart waits for the boot to end: the services after the one restarting are still loading in order.
  let booted: () => void = () => {}
  const bootDone = new Promise<void>((resolve) => { booted = resolve })
  // Each service's logger, for its workers to follow its level while the runner runs.
  const levels = new LevelFollow(log)
  const watch = new LifecycleWatchHub({ lifecycle: (name) => services.get(name)?.lifecycle, names: () => services.keys() }, hooks.transitionList())

  app.addHook('onRegister', (instance) => {
    if (host.loading !== undefined) owners.set(instance, host.loading)
  })
  app.decorate('service', {
    getter (this: FastifyInstance): ServiceContext {
      const owner = owners.get(this) ?? host.loading
      if (owner === undefined) throw new FSR_ERR_NO_SERVICE_CONTEXT()
      return owner
    },
  })

  const host: ServiceHost = {
    log,
    levels,
    contextFields,
    contextFactories,
    upgrade: handover.info,
    health,
    watch,
    topics,
    loading: undefined,
    transitionHooks: hooks.list('onTransition'),
    announce (lifecycle: Lifecycle) {
      hooks.call('onTransition', lifecycle.last())
    },
    isStopping: () => stopping !== undefined,
    deadlines: new Deadlines(),
    supervision: {
      isStopping: () => stopping !== undefined,
      onRestart: (event) => hooks.call('onRestart', event),
      restartTopic: topics.runnerTopic('fsr.restart'),
      exit (code, reason) {
        // Without the process handlers nobody may exit the process: the runner only stops.
        if (control !== undefined) control.exit(code, reason)
        else stop().catch((err: unknown) => log.error({ err }, 'stop after restarts given up was not clean'))
      },
      whenBooted: () => bootDone,
      subscribeHealth: (name, listener) => health.subscribe(name, (change) => listener(change.status)),
    },
  }

  function addHook<K extends keyof RunnerHooks> (name: K, hook: RunnerHooks[K]): Runner {
    if (status !== 'created') throw new FSR_ERR_ALREADY_STARTED('add a hook')
    hooks.add(name, hook)
    return runner
  }

  function decorateContext<K extends keyof ServiceContext> (field: K, value: ServiceContext[K]): Runner {
    contextFields[checkContextField(field)] = value
    return runner
  }

  function decorateContextPerService<K extends keyof ServiceContext> (field: K, make: (service: string) => ServiceContext[K]): Runner {
    const name = checkContextField(field)
    if (typeof make !== 'function') throw new FSR_ERR_INVALID_ARGUMENT('runner.decorateContextPerService()', describe(make), 'a function (service name) => value')
    contextFactories[name] = make
    return runner
  }

  /** The name of a field `decorateContext` may add; throws otherwise. */
  function checkContextField (field: unknown): string {
    if (status !== 'created') throw new FSR_ERR_ALREADY_STARTED('decorate the service context')
    const name: unknown = field
    // Names of Object.prototype would reach the prototype (`__proto__`) or shadow what every object has.
    if (typeof name !== 'string' || name === '' || name in Object.prototype) {
      throw new FSR_ERR_INVALID_ARGUMENT('runner.decorateContext()', describe(name), 'a non-empty string that is not a name of Object.prototype')
    }
    if (OWN_CONTEXT_FIELDS.includes(name)) {
      throw new FSR_ERR_INVALID_ARGUMENT('runner.decorateContext()', describe(name), `a name other than the runner's own fields (${OWN_CONTEXT_FIELDS.join(', ')})`)
    }
    return name
  }

  function register (target: Service | AnyFastifyPlugin, opts?: RegisterOptions): Runner {
    if (status !== 'created') throw new FSR_ERR_ALREADY_STARTED('register a service')
    const spec = toServiceSpec(target, opts)
    if (spec === undefined) {
      // Checked against the plugin's own options by Runner's register signatures; passed on as given.
      app.register(target as AnyFastifyPlugin, opts as FastifyPluginOptions)
      return runner
    }
    if (services.has(spec.name) || health.has(spec.name)) throw new FSR_ERR_DUPLICATE_SERVICE(spec.name)
    for (const dependency of spec.dependsOn) {
      if (!services.has(dependency)) {
        const known = services.size === 0 ? 'none' : [...services.keys()].join(', ')
        throw new FSR_ERR_UNKNOWN_DEPENDENCY(spec.name, dependency, known)
      }
    }
    // Adds the service's health entry; throws FSR_ERR_UNKNOWN_SERVICE for a `follow` name not
    // registered yet, before anything is kept.
    const service = new ManagedService(spec, options.timeouts, host)
    services.set(spec.name, service)
    app.register(service.createPlugin())
    return runner
  }

  async function start (): Promise<void> {
    if (status !== 'created') throw new FSR_ERR_ALREADY_STARTED('start')
    status = 'starting'
    const begin = performance.now()
    try {
      if (options.signals !== false) await checkBeforeStart(options)
      await hooks.beforeStart()
    } catch (err) {
      // Nothing booted yet (closing the app would boot it): undo what the hooks did, and stop there.
      await hooks.afterStop()
      status = 'stopped'
      throw err
    }
    if (options.signals !== false) control = createProcessControl(processHost)
    levels.listen()
    let failure: unknown
    try {
      // Stages before any service loads; false when a stop ended them (that stop wins).
      if (await prestart.run()) {
        await app.ready()
        // A stop that came during the boot wins: the main server does not listen for it.
        if (status === 'starting' && options.server !== false) await handover.listen('main', app, options.server)
      }
    } catch (err) {
      failure = [...services.values()].find((service) => service.startError !== undefined)?.startError ?? err
    }
    // Inherited sockets the boot did not take are closed, unless the boot failed.
    if (failure === undefined) handover.closeUnused()
    // A stop (a signal, runner.stop()) began during the boot and ended it: what it made fail is the cause.
    if (stopping !== undefined) return await interrupted(failure)
    if (failure !== undefined) {
      await stop().catch((stopErr: unknown) => log.error({ err: stopErr }, 'stop after failed start was not clean'))
      throw failure
    }
    status = 'running'
    booted()
    logBootSummary(performance.now() - begin)
    await control?.started()
  }

  /** Once the stop that ended the boot is over (its outcome is its caller's), start() rejects with FSR_ERR_START_INTERRUPTED. */
  async function interrupted (cause: unknown): Promise<never> {
    // A signal's stop ends the process with its exit code, 0 when clean: start() never settles then,
    // or a top-level `await runner.start()` would turn the rejection into a crash (exit 1).
    const endsProcess = control?.isExiting() === true
    await stop().catch(() => {})
    if (endsProcess) await new Promise<never>(() => {})
    throw cause === undefined ? new FSR_ERR_START_INTERRUPTED() : new FSR_ERR_START_INTERRUPTED({ cause })
  }

  function logBootSummary (total: number): void {
    // A line per service: not worth building for a logger that would drop it.
    if (!log.isLevelEnabled('info')) return
    const summary = [...services.values()].map(({ spec, lifecycle }) => ({
      name: spec.name,
      init: lifecycle.durationOf('initiating'),
      ready: lifecycle.durationOf('starting'),
    }))
    log.info({ services: summary, total: Math.round(total), address: runner.address }, 'runner started')
  }

  function stop (): Promise<void> {
    stopping ??= shutdown().finally(() => {
      // Every service has moved for the last time: the watchers and the topic and health
      // subscriptions end, and no worker is left to follow a level.
      watch.end()
      topics.end()
      health.end()
      levels.end()
      return control?.stopped()
    })
    return stopping
  }

  async function shutdown (): Promise<void> {
    const wasStarted = status !== 'created'
    status = 'draining'
    if (!wasStarted) {
      status = 'stopped'
      return
    }
    hooks.call('onShutdown', { timeout: options.shutdown.timeout })
    // A service still starting hears the stop through its ctx.signal, so its init or ready can give up.
    for (const service of services.values()) service.cancelStart()
    await runShutdown({
      log,
      options: options.shutdown,
      app,
      drain,
      hooks,
      services,
      control,
      // Stopped before the prestart pipeline passed: no service loaded, and closing the app would load them.
      hasLoaded: !prestart.stop(),
      status: () => status,
      setStatus: (next) => { status = next },
    })
  }

  function states (): ServiceStateSnapshot[] {
    return [...services.values()].map((service) => {
      const snapshot = service.lifecycle.snapshot()
      const workers = service.workers()
      if (service.supervisor === undefined && workers === undefined) return snapshot
      return Object.freeze({
        ...snapshot,
        ...(service.supervisor === undefined ? {} : { restart: service.supervisor.status() }),
        ...(workers === undefined ? {} : { workers: Object.freeze(workers) }),
      })
    })
  }

  const processHost = {
    log,
    options,
    stop,
    isRunning: () => status === 'running',
    isHealthy: () => health.aggregate(status === 'running').status !== 'unhealthy',
    summary: () => `${status}: ${services.size} services, generation ${handover.generation}`,
    handover,
    beforeUpgrade: async () => {
      for (const service of services.values()) await service.beforeUpgrade()
      await hooks.beforeUpgrade()
    },
    upgraded: (outcome: UpgradeOutcome, duration: number) => hooks.call('onUpgrade', outcome, duration),
  }

  async function upgrade () {
    if (control === undefined) return { ok: false as const, reason: 'upgrade needs the process handlers (signals: false)' }
    return await control.upgrade()
  }

  function addHealthSource (name: string, options: { readonly critical?: boolean } = {}): ServiceHealth {
    if (status !== 'created') throw new FSR_ERR_ALREADY_STARTED('add a health source')
    if (typeof name !== 'string' || !SERVICE_NAME.test(name)) throw new FSR_ERR_INVALID_ARGUMENT('runner.addHealthSource() name', describe(name), SERVICE_NAME_RULE)
    const isObject = options !== null && typeof options === 'object' && !Array.isArray(options)
    const { critical = true, ...unknown } = isObject ? options : {}
    if (!isObject || typeof critical !== 'boolean' || Object.keys(unknown).length > 0) {
      throw new FSR_ERR_INVALID_ARGUMENT('runner.addHealthSource() options', isObject ? JSON.stringify(options) : describe(options), 'undefined or { critical?: true or false }')
    }
    if (services.has(name) || health.has(name)) throw new FSR_ERR_DUPLICATE_SERVICE(name)
    health.add(name, { critical }, serviceLogOf(log.child({ service: name })))
    return health.handle(name)
  }

  const runner: Runner = {
    app,
    register,
    start,
    stop,
    states,
    upgrade,
    get status () { return status },
    get isReady () { return status === 'running' },
    get inFlightRequests () { return drain.inFlight },
    addHook,
    decorateContext,
    decorateContextPerService,
    listen: (name: string, instance: FastifyInstance, address: { readonly port: number, readonly host: string }) => handover.listen(name, instance, address),
    serviceLogger: (name: string) => services.get(name)?.log,
    health: () => health.aggregate(status === 'running'),
    addHealthSource,
    prestart (stage) {
      if (status !== 'created') throw new FSR_ERR_ALREADY_STARTED('add a prestart stage')
      prestart.add(stage)
      return runner
    },
    watch: watch.api,
    get address () {
      const address = options.server !== false && app.server.listening ? app.server.address() as AddressInfo : undefined
      return address === undefined ? undefined : { host: address.address, port: address.port }
    },
    topics: topics.api,
  }
  return runner
}
