// What the admin server reports about health: `runner.health()` (every entry, critical or not)
// joined with each service's lifecycle state, in one shape for /health, /health/ready and /services.
import type { HealthStatus, Runner, RunnerStatus } from '../../types/index.ts'

export interface ServiceHealthView {
  /** Lifecycle state; absent for a health-only entry (such as the built-in `process`). */
  readonly state?: string
  /** Epoch ms of the last lifecycle transition. */
  readonly stateSince?: number
  readonly health: HealthStatus
  /** Epoch ms since the health status is what it is. */
  readonly since: number
  readonly reason?: string
  /** Epoch ms of the last report or check. */
  readonly lastCheck?: number
  readonly critical: boolean
}

export interface HealthView {
  readonly status: HealthStatus
  readonly live: boolean
  /** Started, not draining, and no critical entry unhealthy. */
  readonly ready: boolean
  readonly runner: RunnerStatus
  /** Critical entries that are unhealthy: what keeps the process from being ready. */
  readonly unhealthy: readonly string[]
  readonly services: Readonly<Record<string, ServiceHealthView>>
}

export function readHealth (runner: Runner): HealthView {
  const aggregate = runner.health()
  const states = new Map(runner.states().map((snapshot) => [snapshot.name, snapshot]))
  const services: Record<string, ServiceHealthView> = {}
  const unhealthy: string[] = []
  for (const [name, entry] of Object.entries(aggregate.services)) {
    const snapshot = states.get(name)
    services[name] = {
      ...(snapshot === undefined ? {} : { state: snapshot.state, stateSince: snapshot.since }),
      health: entry.status,
      since: entry.since,
      ...(entry.reason === undefined ? {} : { reason: entry.reason }),
      ...(entry.checkedAt === undefined ? {} : { lastCheck: entry.checkedAt }),
      critical: entry.critical,
    }
    if (entry.critical && entry.status === 'unhealthy') unhealthy.push(name)
  }
  return {
    status: aggregate.status,
    live: aggregate.live,
    ready: aggregate.ready && unhealthy.length === 0,
    runner: runner.status,
    unhealthy,
    services,
  }
}

/** 200 while the process serves (healthy or degraded); 503 when unhealthy or not known yet. */
export function isServing (status: HealthStatus): boolean {
  return status === 'healthy' || status === 'degraded'
}
