// createRunner: the root Fastify instance, the ordered set of services, start and stop.
import { fastify, type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { AddressInfo } from 'node:net'
import type {
  AnyFastifyPlugin,
  RegisterOptions,
  Runner,
  RunnerOptions,
  Service,
  ServiceContext,
  ServiceStateSnapshot,
} from '../types/index.ts'
import { toServiceSpec } from './define-service.ts'
import {
  FSR_ERR_ALREADY_STARTED,
  FSR_ERR_DUPLICATE_SERVICE,
  FSR_ERR_NO_SERVICE_CONTEXT,
  FSR_ERR_UNCLEAN_STOP,
  FSR_ERR_UNKNOWN_DEPENDENCY,
} from './errors.ts'
import { createLogger } from './logger.ts'
import { ManagedService } from './managed-service.ts'
import { resolveRunnerOptions } from './options.ts'

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
  let started = false
  let stopping: Promise<void> | undefined

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
    if (started) throw new FSR_ERR_ALREADY_STARTED('register a service')
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
    if (started) throw new FSR_ERR_ALREADY_STARTED('start')
    started = true
    const begin = performance.now()
    try {
      await app.ready()
      if (options.server !== false) await app.listen({ port: options.server.port, host: options.server.host })
    } catch (err) {
      const failure = [...services.values()].find((service) => service.startError !== undefined)?.startError ?? err
      await stop().catch((stopErr: unknown) => log.error({ err: stopErr }, 'stop after failed start was not clean'))
      throw failure
    }
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
    stopping ??= (async () => {
      started = true
      await app.close()
      const failures = [...services.values()].flatMap((service) => service.stopError ?? [])
      if (failures.length > 0) {
        const names = failures.map((failure) => failure.message).join('; ')
        throw Object.assign(new FSR_ERR_UNCLEAN_STOP(names), { errors: failures })
      }
      log.info('runner stopped')
    })()
    return stopping
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
    get address () {
      const address = options.server !== false && app.server.listening ? app.server.address() as AddressInfo : undefined
      return address === undefined ? undefined : { host: address.address, port: address.port }
    },
  }
  return runner
}
