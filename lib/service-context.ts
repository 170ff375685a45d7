// A service's `ctx`, and what a managed service needs from its runner to make one.
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { LifecycleWatch, ServiceContext, ServiceHealth, Topics, UpgradeInfo, WorkerContext, WorkerOptions } from '../types/index.ts'
import type { Deadlines } from './deadlines.ts'
import type { HealthRegistry } from './health-registry.ts'
import { scopedHealth } from './health-scope.ts'
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

/**
 * One life of a service (a start, or a task's attempt): its `ctx.signal`, made on first read (most
 * services never read it), why the life ended, and the workers it made. A ctx kept past its life
 * keeps this one, so it never hears of the next life.
 */
export class Life {
  readonly workers: WorkerSet
  #abort: AbortController | undefined
  #reason: unknown

  constructor (workers: WorkerSet) {
    this.workers = workers
  }

  get signal (): AbortSignal {
    if (this.#abort === undefined) {
      this.#abort = new AbortController()
      if (this.#reason !== undefined) this.#abort.abort(this.#reason)
    }
    return this.#abort.signal
  }

  /** Why the life ended (what its signal aborted with); undefined while it goes on. */
  get reason (): unknown {
    return this.#reason
  }

  /** Aborts the signal (now, or when first read) and the workers. Always with a reason: without one, abort() builds a DOMException with a stack. */
  end (reason: unknown): void {
    if (this.#reason !== undefined) return
    this.#reason = reason
    this.#abort?.abort(reason)
    // The workers end with the signal, in the same call: nothing listens on it for them.
    this.workers.end(reason)
  }
}

/**
 * `ctx` of one life of a service. Its signal and handles are made on first use (most services
 * never read some of them) and belong to its life: its subscriptions end, and its health reports
 * stop counting, when that life ends.
 */
export class Context {
  readonly name: string
  readonly app: FastifyInstance
  readonly upgrade: UpgradeInfo
  readonly attempt: number
  readonly #service: ManagedService
  readonly #host: ServiceHost
  readonly #life: Life
  #health: ServiceHealth | undefined

  constructor (service: ManagedService, app: FastifyInstance, host: ServiceHost, life: Life) {
    Object.assign(this, host.contextFields, service.ownContextFields)
    this.name = service.spec.name
    this.app = app
    this.upgrade = host.upgrade
    this.attempt = service.supervisor?.restarts ?? 0
    this.#service = service
    this.#host = host
    this.#life = life
  }

  /** A worker of this life: made after the life ended, it is aborted from the start. */
  child (name: string, options?: WorkerOptions): WorkerContext {
    return this.#life.workers.child(name, options)
  }

  get log (): Logger { return this.#service.log }
  get signal (): AbortSignal { return this.#life.signal }

  get health (): ServiceHealth {
    this.#health ??= scopedHealth(this.#host.health.handle(this.name), this)
    return this.#health
  }

  get watch (): LifecycleWatch { return this.#host.watch.of(this) }
  get topics (): Topics { return this.#host.topics.of(this) }
}
