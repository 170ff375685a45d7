// createRunner: the root Fastify instance, the ordered set of services, start and stop.
import { fastify, type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { AddressInfo } from 'node:net'
import type {
  AnyFastifyPlugin,
  RegisterOptions,
  Runner,
  RunnerOptions,
  RunnerStatus,
  Service,
  ServiceContext,
  ServiceStateSnapshot,
} from '../types/index.ts'
import { toServiceSpec } from './define-service.ts'
import { ServerDrain } from './drain-server.ts'
import {
  FSR_ERR_ALREADY_STARTED,
  FSR_ERR_DUPLICATE_SERVICE,
  FSR_ERR_NO_SERVICE_CONTEXT,
  FSR_ERR_SHUTDOWN_TIMEOUT,
  FSR_ERR_UNCLEAN_STOP,
  FSR_ERR_UNKNOWN_DEPENDENCY,
} from './errors.ts'
import { ExitCode } from './exit-codes.ts'
import { createLogger } from './logger.ts'
import { ManagedService } from './managed-service.ts'
import { resolveRunnerOptions } from './options.ts'
import { installShutdownHandlers, type ShutdownHandlers } from './shutdown-signals.ts'
import { withTimeout } from './timeout.ts'

export function createRunner (input: RunnerOptions = {}): Runner {
  const options = resolveRunnerOptions(input)
  const log = createLogger(options)
  const serverOptions: FastifyServerOptions = options.fastify
  const app: FastifyInstance = fastify({
    ...serverOptions,
    loggerInstance: log as FastifyBaseLogger,
    // Our own init/ready timeouts bound every service; avvio's must never fire first.
    pluginTimeout: 0,
  })
  const services = new Map<string, ManagedService>()
  // The service whose plugin is loading: what `app.service` means on a shared (fastify-plugin) instance.
  let loading: ServiceContext | undefined
  // Encapsulated contexts created while a service loads belong to that service.
  const owners = new WeakMap<object, ServiceContext>()
  let status: RunnerStatus = 'created'
  let stopping: Promise<void> | undefined
  let handlers: ShutdownHandlers | undefined
  const drain = new ServerDrain(app.server)

  app.addHook('onRegister', (instance) => {
    if (loading !== undefined) owners.set(instance, loading)
  })
  app.decorate('service', {
    getter (this: FastifyInstance): ServiceContext {
      const owner = owners.get(this) ?? loading
      if (owner === undefined) throw new FSR_ERR_NO_SERVICE_CONTEXT()
      return owner
    },
  })

  const host = {
    log,
    setLoading (ctx: ServiceContext | undefined) { loading = ctx },
    onTransition () {},
  }

  function register (target: Service | AnyFastifyPlugin, opts?: RegisterOptions): Runner {
    if (status !== 'created') throw new FSR_ERR_ALREADY_STARTED('register a service')
    const spec = toServiceSpec(target, opts)
    if (spec === undefined) {
      app.register(target as AnyFastifyPlugin, opts)
      return runner
    }
    if (services.has(spec.name)) throw new FSR_ERR_DUPLICATE_SERVICE(spec.name)
    for (const dependency of spec.dependsOn) {
      if (!services.has(dependency)) {
        const known = services.size === 0 ? 'none' : [...services.keys()].join(', ')
        throw new FSR_ERR_UNKNOWN_DEPENDENCY(spec.name, dependency, known)
      }
    }
    const service = new ManagedService(spec, options.timeouts, host)
    services.set(spec.name, service)
    app.register(service.createPlugin())
    return runner
  }

  async function start (): Promise<void> {
    if (status !== 'created') throw new FSR_ERR_ALREADY_STARTED('start')
    status = 'starting'
    const begin = performance.now()
    if (options.signals !== false) handlers = installShutdownHandlers(options.signals, log, stop)
    try {
      await app.ready()
      if (options.server !== false) await app.listen({ port: options.server.port, host: options.server.host })
    } catch (err) {
      const failure = [...services.values()].find((service) => service.startError !== undefined)?.startError ?? err
      await stop().catch((stopErr: unknown) => log.error({ err: stopErr }, 'stop after failed start was not clean'))
      throw failure
    }
    // A signal may have arrived while services were starting: the stop it began wins.
    if (status !== 'starting') return
    status = 'running'
    logBootSummary(performance.now() - begin)
  }

  function logBootSummary (total: number): void {
    const summary = [...services.values()].map(({ spec, lifecycle }) => ({
      name: spec.name,
      init: lifecycle.durationOf('initiating'),
      ready: lifecycle.durationOf('starting'),
    }))
    log.info({ services: summary, total: Math.round(total), address: runner.address }, 'runner started')
  }

  function stop (): Promise<void> {
    stopping ??= shutdown().finally(() => {
      handlers?.uninstall()
      handlers = undefined
    })
    return stopping
  }

  async function shutdown (): Promise<void> {
    const { drainDelay, drainTimeout, timeout } = options.shutdown
    const wasStarted = status !== 'created'
    status = 'draining'
    if (!wasStarted) {
      status = 'stopped'
      return
    }
    log.info({ drainDelay, drainTimeout, timeout }, 'shutdown started')
    const work = (async () => {
      const draining = Promise.all([...services.values()].map((service) => service.drain()))
      if (drainDelay > 0) await new Promise((resolve) => setTimeout(resolve, drainDelay))
      if (app.server.listening) {
        const { destroyed } = await drain.drain(drainTimeout)
        if (destroyed.length > 0) log.warn({ sockets: destroyed }, 'drain deadline passed, sockets destroyed')
      }
      await draining
      status = 'stopping'
      await app.close()
    })()
    await withTimeout(work, timeout, () => shutdownTimeoutError(timeout))
    status = 'stopped'
    const failures = [...services.values()].flatMap((service) => service.stopError ?? [])
    if (failures.length > 0) {
      const err = new FSR_ERR_UNCLEAN_STOP(failures.map((failure) => failure.message).join('; '))
      throw Object.assign(err, { errors: failures, exitCode: ExitCode.UNCLEAN_STOP })
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

  const runner: Runner = {
    app,
    register,
    start,
    stop,
    states,
    get status () { return status },
    get isReady () { return status === 'running' },
    get address () {
      const address = options.server !== false && app.server.listening ? app.server.address() as AddressInfo : undefined
      return address === undefined ? undefined : { host: address.address, port: address.port }
    },
  }
  return runner
}
