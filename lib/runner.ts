// createRunner: the root Fastify instance, the ordered set of services, start and stop.
import { fastify, type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify'
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
} from '../types/index.ts'
import { SERVICE_NAME, SERVICE_NAME_RULE, toServiceSpec } from './define-service.ts'
import { ServerDrain, type DrainOutcome } from './drain-server.ts'
import {
  FSR_ERR_ALREADY_STARTED,
  FSR_ERR_DUPLICATE_SERVICE,
  FSR_ERR_INHERITED_SOCKET,
  FSR_ERR_INVALID_ARGUMENT,
  FSR_ERR_LISTEN,
  FSR_ERR_NO_SERVICE_CONTEXT,
  FSR_ERR_SHUTDOWN_TIMEOUT,
  FSR_ERR_UNCLEAN_STOP,
  FSR_ERR_UNKNOWN_DEPENDENCY,
  FSR_ERR_UNKNOWN_HOOK,
  messageOf,
} from './errors.ts'
import { ExitCode } from './exit-codes.ts'
import { HealthRegistry } from './health-registry.ts'
import { createLogger } from './logger.ts'
import type { Lifecycle } from './lifecycle.ts'
import { ManagedService, type ServiceHost } from './managed-service.ts'
import { describe, resolveRunnerOptions } from './options.ts'
import { serviceLogOf } from './service-log.ts'
import { forgetListenEnv, InheritedSockets } from './inherited-sockets.ts'
import { checkBeforeStart, createProcessControl, type ProcessControl } from './process-control.ts'
import { withTimeout } from './timeout.ts'
import { readGeneration, type HandoverSocket } from './upgrade.ts'

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
const OWN_CONTEXT_FIELDS = ['name', 'app', 'log', 'signal', 'health', 'upgrade']

export function createRunner (input: RunnerOptions = {}): Runner {
  const options = resolveRunnerOptions(input)
  const log = createLogger(options)
  const serverOptions: FastifyServerOptions = options.fastify
  const app: FastifyInstance = fastify({
    childLoggerFactory: requestLogger,
    ...serverOptions,
    loggerInstance: log as FastifyBaseLogger,
    // Our own init/ready timeouts bound every service; avvio's must never fire first.
    pluginTimeout: 0,
  })
  const services = new Map<string, ManagedService>()
  // Every service's health, plus entries that are not services (the built-in `process`).
  const health = new HealthRegistry(log, options.health, Date.now, (name, duration, isFailure) => callHooks('onHealthCheck', name, duration, isFailure))
  // Encapsulated contexts created while a service loads belong to that service.
  const owners = new WeakMap<object, ServiceContext>()
  let status: RunnerStatus = 'created'
  let stopping: Promise<void> | undefined
  let control: ProcessControl | undefined
  const drain = new ServerDrain(app.server)
  // Sockets from systemd socket activation or from the previous generation of an upgrade.
  const inherited = new InheritedSockets()
  forgetListenEnv()
  const handover: HandoverSocket[] = []
  const { generation, parentPid } = readGeneration()
  const upgradeInfo = Object.freeze({ generation, isUpgrade: parentPid !== undefined })
  // The extension point of the built-in plugins (see RunnerHooks) and the fields they add to every ctx.
  const hooks: { [K in keyof RunnerHooks]: Array<RunnerHooks[K]> } = { beforeStart: [], afterStop: [], onTransition: [], onHealthCheck: [], onDrain: [] }
  const contextFields: Record<string, unknown> = {}

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
    contextFields,
    upgrade: upgradeInfo,
    health,
    loading: undefined,
    transitionHooks: hooks.onTransition,
    announce (lifecycle: Lifecycle) {
      callHooks('onTransition', lifecycle.last())
    },
  }

  /** Calls the synchronous hooks named `name`; a throw is logged and the others still run. */
  function callHooks<K extends 'onTransition' | 'onHealthCheck' | 'onDrain'> (name: K, ...args: Parameters<RunnerHooks[K]>): void {
    for (const hook of hooks[name]) {
      try {
        (hook as (...params: Parameters<RunnerHooks[K]>) => void)(...args)
      } catch (err) {
        log.error({ err, hook: name }, 'runner hook failed')
      }
    }
  }

  function addHook<K extends keyof RunnerHooks> (name: K, hook: RunnerHooks[K]): Runner {
    if (status !== 'created') throw new FSR_ERR_ALREADY_STARTED('add a hook')
    const list = hooks[name] as Array<RunnerHooks[K]> | undefined
    if (!Object.hasOwn(hooks, name) || list === undefined) throw new FSR_ERR_UNKNOWN_HOOK(String(name), Object.keys(hooks).join(', '))
    if (typeof hook !== 'function') throw new FSR_ERR_INVALID_ARGUMENT(`runner.addHook("${name}")`, describe(hook), 'a function')
    list.push(hook)
    return runner
  }

  function decorateContext<K extends keyof ServiceContext> (field: K, value: ServiceContext[K]): Runner {
    if (status !== 'created') throw new FSR_ERR_ALREADY_STARTED('decorate the service context')
    const name: unknown = field
    // Names of Object.prototype would reach the prototype (`__proto__`) or shadow what every object has.
    if (typeof name !== 'string' || name === '' || name in Object.prototype) {
      throw new FSR_ERR_INVALID_ARGUMENT('runner.decorateContext()', describe(name), 'a non-empty string that is not a name of Object.prototype')
    }
    if (OWN_CONTEXT_FIELDS.includes(name)) {
      throw new FSR_ERR_INVALID_ARGUMENT('runner.decorateContext()', describe(name), `a name other than the runner's own fields (${OWN_CONTEXT_FIELDS.join(', ')})`)
    }
    contextFields[name] = value
    return runner
  }

  async function runAfterStop (): Promise<void> {
    for (const hook of [...hooks.afterStop].reverse()) {
      try {
        await hook()
      } catch (err) {
        log.error({ err }, 'runner hook failed')
      }
    }
  }

  function register (target: Service | AnyFastifyPlugin, opts?: RegisterOptions): Runner {
    if (status !== 'created') throw new FSR_ERR_ALREADY_STARTED('register a service')
    const spec = toServiceSpec(target, opts)
    if (spec === undefined) {
      app.register(target as AnyFastifyPlugin, opts)
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
      for (const hook of hooks.beforeStart) await hook()
    } catch (err) {
      // Nothing booted yet (closing the app would boot it): undo what the hooks did, and stop there.
      await runAfterStop()
      status = 'stopped'
      throw err
    }
    if (options.signals !== false) control = createProcessControl(processHost)
    try {
      await app.ready()
      if (options.server !== false) await listen('main', app, options.server)
    } catch (err) {
      const failure = [...services.values()].find((service) => service.startError !== undefined)?.startError ?? err
      await stop().catch((stopErr: unknown) => log.error({ err: stopErr }, 'stop after failed start was not clean'))
      throw failure
    }
    inherited.closeUnused(log)
    // A signal may have arrived while services were starting: the stop it began wins.
    if (status !== 'starting') return
    status = 'running'
    logBootSummary(performance.now() - begin)
    await control?.started()
  }

  /**
   * Listens on the inherited socket named `name` if there is one, else binds; either way it can be handed over.
   * A failed bind is FSR_ERR_LISTEN naming the address (the system error as `cause`); an inherited
   * descriptor that cannot listen is FSR_ERR_INHERITED_SOCKET.
   */
  async function listen (name: string, instance: FastifyInstance, address: { readonly port: number, readonly host: string }): Promise<void> {
    const fd = inherited.take(name)
    if (fd !== undefined) {
      try {
        // Fastify binds 'localhost' twice unless given a host; with a descriptor the host is not used.
        await instance.listen({ fd, host: address.host } as { port?: number, host: string })
      } catch (cause) {
        // Node's listen is the check that a socket is a stream socket able to listen (not datagram, not connected).
        throw new FSR_ERR_INHERITED_SOCKET(fd, name, `could not listen (${messageOf(cause)})`, { cause })
      }
      log.info({ name, fd }, 'listening on inherited socket')
    } else {
      try {
        await instance.listen({ port: address.port, host: address.host })
      } catch (cause) {
        const where = address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`
        throw new FSR_ERR_LISTEN(name, where, messageOf(cause), { cause })
      }
    }
    handover.push({ name, server: instance.server })
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
    stopping ??= shutdown().finally(() => control?.stopped())
    return stopping
  }

  async function shutdown (): Promise<void> {
    const { drainDelay, drainTimeout, idleGrace: shutdownIdleGrace, timeout } = options.shutdown
    const wasStarted = status !== 'created'
    status = 'draining'
    if (!wasStarted) {
      status = 'stopped'
      return
    }
    log.info({ drainDelay, drainTimeout, timeout }, 'shutdown started')
    const destroyed: DrainOutcome['destroyed'][number][] = []
    const noteDestroyed = (outcome: DrainOutcome): void => {
      if (outcome.destroyed.length > 0) log.warn({ sockets: outcome.destroyed }, 'drain deadline passed, sockets destroyed')
      destroyed.push(...outcome.destroyed)
    }
    const work = (async () => {
      const { idleGrace } = await control?.stopping() ?? { idleGrace: shutdownIdleGrace }
      // Only services with a `drain` hook: a promise for each of thousands of others is pure cost.
      const drains: Array<Promise<void>> = []
      for (const service of services.values()) if (service.hasHook('drain')) drains.push(service.drain())
      const draining = Promise.all(drains)
      // Keep-alive clients hear `Connection: close` from now on, so they move on during the delay.
      drain.beginClosing()
      if (drainDelay > 0) await new Promise((resolve) => setTimeout(resolve, drainDelay))
      const isDraining = app.server.listening
      const begin = performance.now()
      if (isDraining) {
        const outcome = await drain.drain(drainTimeout, idleGrace)
        noteDestroyed(outcome)
        log.info({ duration: Math.round(performance.now() - begin) }, 'main server drained')
        callHooks('onDrain', { duration: performance.now() - begin, destroyedSockets: outcome.destroyed.length })
      }
      await draining
      status = 'stopping'
      // WebSockets and event streams are closed by drain hooks and by the app's close (Fastify's own
      // close hook, before the services' stops, waits for them); what is left at the drain deadline is cut.
      const closeLongLived = async (): Promise<void> => {
        if (isDraining) noteDestroyed(await drain.closeLongLived(Math.max(0, begin + drainTimeout - performance.now())))
      }
      await Promise.all([app.close(), closeLongLived()])
    })()
    try {
      await withTimeout(work, timeout, () => shutdownTimeoutError(timeout))
    } finally {
      // The admin server closes here, last, so it answers during the whole shutdown.
      await runAfterStop()
    }
    status = 'stopped'
    // A loop, not flatMap: flatMap would build an empty array for every service that stopped cleanly.
    const failures: Error[] = []
    for (const service of services.values()) if (service.stopError !== undefined) failures.push(service.stopError)
    if (failures.length > 0 || destroyed.length > 0) {
      const reasons = failures.map((failure) => failure.message)
      if (destroyed.length > 0) reasons.push(`${destroyed.length} connections destroyed at the drain deadline`)
      const err = new FSR_ERR_UNCLEAN_STOP(reasons.join('; '))
      throw Object.assign(err, { errors: failures, destroyed, exitCode: ExitCode.UNCLEAN_STOP })
    }
    log.info('runner stopped')
  }

  /** Names the services still stopping and the kinds of handles still open. */
  function shutdownTimeoutError (timeout: number): Error {
    const pending = [...services.values()]
      .filter((service) => service.lifecycle.state === 'shutting-down' || service.lifecycle.state === 'running')
      .map((service) => service.spec.name)
    const handles: Record<string, number> = {}
    for (const kind of process.getActiveResourcesInfo()) handles[kind] = (handles[kind] ?? 0) + 1
    const err = new FSR_ERR_SHUTDOWN_TIMEOUT(timeout, pending.length === 0 ? '(no service)' : pending.join(', '))
    log.error({ services: pending, handles, status }, 'shutdown deadline passed')
    return Object.assign(err, { services: pending, handles, exitCode: ExitCode.SHUTDOWN_TIMEOUT })
  }

  function states (): ServiceStateSnapshot[] {
    return [...services.values()].map((service) => service.lifecycle.snapshot())
  }

  const processHost = {
    log,
    options,
    stop,
    isRunning: () => status === 'running',
    isHealthy: () => health.aggregate(status === 'running').status !== 'unhealthy',
    summary: () => `${status}: ${services.size} services, generation ${generation}`,
    sockets: () => handover,
    beforeUpgrade: async () => {
      for (const service of services.values()) await service.beforeUpgrade()
    },
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
    listen,
    serviceLogger: (name: string) => services.get(name)?.log,
    health: () => health.aggregate(status === 'running'),
    addHealthSource,
    get address () {
      const address = options.server !== false && app.server.listening ? app.server.address() as AddressInfo : undefined
      return address === undefined ? undefined : { host: address.address, port: address.port }
    },
  }
  return runner
}
