// A service's `ctx`, and what a managed service needs from its runner to make one.
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { LifecycleWatch, ServiceContext, ServiceHealth, Topics, UpgradeInfo, WorkerContext, WorkerOptions } from '../types/index.ts'
import type { Deadlines } from './deadlines.ts'
import type { HealthRegistry } from './health-registry.ts'
import type { Lifecycle } from './lifecycle.ts'
import type { LevelFollow } from './level-follow.ts'
import type { LifecycleWatchHub } from './lifecycle-watch.ts'
import type { ManagedService } from './managed-service.ts'
import type { SupervisorHost } from './supervisor.ts'
import type { TopicRegistry } from './topic-registry.ts'
import type { WorkerSet } from './worker-context.ts'

/** What a managed service needs from its runner. */
export interface ServiceHost {
  readonly log: Logger
  /** Where a service's logger is followed, so that its workers' loggers take each level it is set to. */
  readonly levels: LevelFollow
  readonly upgrade: UpgradeInfo
  /** Fields added to every context by `runner.decorateContext`. */
  readonly contextFields: Readonly<Record<string, unknown>>
  /** Fields of each service's own (`runner.decorateContextPerService`), made once per service. */
  readonly contextFactories: Readonly<Record<string, (service: string) => unknown>>
  /** The runner's health entries; this service's is added before its plugin loads. */
  readonly health: HealthRegistry
  /** The runner's lifecycle watchers (`ctx.watch`). */
  readonly watch: LifecycleWatchHub
  /** The runner's topics (`ctx.topics`), and where transitions are published (`fsr.lifecycle`). */
  readonly topics: TopicRegistry
  /**
   * The context of the service whose plugin is loading, which `app.service` resolves to meanwhile;
   * each service sets it as it begins to load and clears it when done.
   */
  loading: ServiceContext | undefined
  /** The runner's onTransition hooks: `announce` calls them, and is called only when there are any. */
  readonly transitionHooks: readonly unknown[]
  announce (lifecycle: Lifecycle): void
  /** True once the runner has begun to stop: a service not started yet is not started any more. */
  isStopping (): boolean
  /** Bounds each phase of every service by its timeout. */
  readonly deadlines: Deadlines
  /** What the supervisors of services with a `restart` policy need. */
  readonly supervision: SupervisorHost
}

/** `ctx` of one service. Its logger, signal and health handle are made on first use: most services never read some of them. */
export class Context {
  readonly name: string
  readonly app: FastifyInstance
  readonly upgrade: UpgradeInfo
  readonly attempt: number
  readonly #service: ManagedService
  // This life's workers: they end with it, and a ctx of an earlier life makes only aborted ones.
  readonly #workers: WorkerSet

  constructor (service: ManagedService, app: FastifyInstance, host: ServiceHost, workers: WorkerSet) {
    Object.assign(this, host.contextFields, service.ownContextFields)
    this.name = service.spec.name
    this.app = app
    this.upgrade = host.upgrade
    this.attempt = service.supervisor?.restarts ?? 0
    this.#service = service
    this.#workers = workers
  }

  child (name: string, options?: WorkerOptions): WorkerContext {
    return this.#workers.child(name, options)
  }

  get log (): Logger { return this.#service.log }
  get signal (): AbortSignal { return this.#service.signal }
  get health (): ServiceHealth { return this.#service.health }
  get watch (): LifecycleWatch { return this.#service.watch }
  get topics (): Topics { return this.#service.topics }
}
