// Worker contexts (`ctx.child(name)`): the workers a service runs itself, each with its own logger,
// a signal that ends with its parent's life or by its own abort(), and optionally a health entry
// that the nearest entry above it follows. They end with the life that made them.
import type { Logger } from 'pino'
import type { HealthStatus, ServiceHealth, WorkerContext, WorkerContextWithHealth, WorkerOptions, WorkerSnapshot } from '../types/index.ts'
import { FSR_ERR_INVALID_ARGUMENT, FSR_ERR_WORKER_NAME } from './errors.ts'
import type { HealthRegistry } from './health-registry.ts'
import { scopedHealth } from './health-scope.ts'
import { describe } from './options.ts'
import { SERVICE_NAME, SERVICE_NAME_RULE } from './service-name.ts'
import { serviceLogOf } from './service-log.ts'

/** What the workers of one service need from it. */
export interface WorkerHost {
  /** The runner's logger: a worker's is a child of it (a child of the service's would bind `service` twice). */
  readonly rootLog: Logger
  /** The service's logger, whose level a worker's logger starts at (and follows: see level-follow.ts). */
  serviceLog (): Logger
  readonly healthRegistry: HealthRegistry
}

/** The workers one parent (a life of a service, or a worker) made; `end` ends them all. */
export class WorkerSet {
  readonly #parent: string
  /** The nearest entry above: it follows the workers made here with a health entry. */
  readonly #follower: string
  readonly #host: WorkerHost
  // By name, live and aborted ones: a name used again takes the aborted worker's place.
  #workers: Map<string, Worker> | undefined
  #isEnded = false
  #endReason: unknown

  constructor (parent: string, follower: string, host: WorkerHost) {
    this.#parent = parent
    this.#follower = follower
    this.#host = host
  }

  /** `ctx.child()`: throws FSR_ERR_WORKER_NAME or FSR_ERR_INVALID_ARGUMENT at once. */
  child (name: string, options?: WorkerOptions): Worker {
    const hasHealth = readWorkerOptions(options)
    if (typeof name !== 'string' || !SERVICE_NAME.test(name)) {
      throw new FSR_ERR_WORKER_NAME(this.#parent, describe(name), `${SERVICE_NAME_RULE} (no "/": it joins the names of parent and worker)`)
    }
    const workers = this.#workers ??= new Map()
    if (workers.get(name)?.signal.aborted === false) {
      const live = [...workers].filter(([, worker]) => !worker.signal.aborted).map(([taken]) => taken)
      throw new FSR_ERR_WORKER_NAME(this.#parent, describe(name), `a name no live worker of "${this.#parent}" has (live: ${live.join(', ')})`)
    }
    // Made after its parent's life ended: aborted from the start, with no entry to remove.
    const worker = new Worker(`${this.#parent}/${name}`, hasHealth && !this.#isEnded, this.#follower, this.#host)
    workers.set(name, worker)
    if (this.#isEnded) worker.abort(this.#endReason)
    return worker
  }

  /** Aborts every worker (the parent's life ended); workers made later are aborted at once. */
  end (reason: unknown): void {
    if (this.#isEnded) return
    this.#isEnded = true
    this.#endReason = reason
    if (this.#workers !== undefined) for (const worker of this.#workers.values()) worker.abort(reason)
  }

  /** Sets the level of every live worker's logger, and of the workers made under each. */
  setLevel (level: string): void {
    if (this.#workers !== undefined) for (const worker of this.#workers.values()) worker.setLevel(level)
  }

  /** Every worker, and theirs after each, in the order made. */
  snapshot (into: WorkerSnapshot[] = []): WorkerSnapshot[] {
    if (this.#workers !== undefined) for (const worker of this.#workers.values()) worker.snapshot(into)
    return into
  }
}

class Worker implements WorkerContext {
  readonly name: string
  readonly log: Logger
  readonly startedAt = Date.now()
  readonly health: ServiceHealth | undefined
  readonly #controller = new AbortController()
  readonly #host: WorkerHost
  readonly #follower: string
  #children: WorkerSet | undefined

  constructor (name: string, hasHealth: boolean, follower: string, host: WorkerHost) {
    this.name = name
    this.#host = host
    const serviceLog = host.serviceLog()
    this.log = host.rootLog.child({ service: name }, { level: serviceLog.level })
    this.#follower = follower
    if (hasHealth) {
      host.healthRegistry.add(name, WORKER_HEALTH, serviceLogOf(this.log))
      host.healthRegistry.addFollow(follower, name)
      // Its reports count no more once it ended (its entry is gone then).
      this.health = scopedHealth(host.healthRegistry.handle(name), this)
    }
    // Detached calls (`const { abort } = worker`) work as the methods do.
    this.abort = this.abort.bind(this)
  }

  get signal (): AbortSignal {
    return this.#controller.signal
  }

  abort (reason?: unknown): void {
    if (this.#controller.signal.aborted) return
    // Without a reason, the standard AbortError, as AbortController.abort() makes it.
    if (reason === undefined) this.#controller.abort()
    else this.#controller.abort(reason)
    this.#children?.end(this.#controller.signal.reason)
    if (this.health !== undefined) this.#host.healthRegistry.remove(this.name)
  }

  child (name: string, options: WorkerOptions & { readonly health: true }): WorkerContextWithHealth
  child (name: string, options?: WorkerOptions): WorkerContext
  child (name: string, options?: WorkerOptions): WorkerContext {
    this.#children ??= new WorkerSet(this.name, this.health === undefined ? this.#follower : this.name, this.#host)
    if (this.signal.aborted) this.#children.end(this.signal.reason)
    return this.#children.child(name, options)
  }

  /** Follows its service's level (an ended worker logs no more: it is left as it was). */
  setLevel (level: string): void {
    if (this.signal.aborted) return
    this.log.level = level
    this.#children?.setLevel(level)
  }

  snapshot (into: WorkerSnapshot[]): void {
    const { aborted } = this.signal
    const health: HealthStatus | undefined = this.health === undefined || aborted ? undefined : this.health.get().status
    into.push(Object.freeze({ name: this.name, startedAt: this.startedAt, aborted, ...(health === undefined ? {} : { health }) }))
    this.#children?.snapshot(into)
  }
}

// A worker's entry counts through the entry that follows it, never on its own.
const WORKER_HEALTH = Object.freeze({ critical: false })

/** True for `{ health: true }`; throws FSR_ERR_INVALID_ARGUMENT for anything but undefined or `{ health?: boolean }`. */
function readWorkerOptions (options: unknown): boolean {
  if (options === undefined) return false
  const isObject = options !== null && typeof options === 'object' && !Array.isArray(options)
  const { health = false, ...unknown } = isObject ? options as { health?: unknown } : {}
  if (!isObject || typeof health !== 'boolean' || Object.keys(unknown).length > 0) {
    throw new FSR_ERR_INVALID_ARGUMENT('ctx.child() options', describe(options), 'undefined or { health?: true or false }')
  }
  return health
}
