// The four health statuses and their order, from best to worst: healthy, unknown, degraded, unhealthy.
import type { HealthStatus } from '../types/index.ts'

export const HEALTH_STATUSES: readonly HealthStatus[] = Object.freeze(['healthy', 'degraded', 'unhealthy', 'unknown'])

// `unknown` ranks just above `healthy`: not knowing is worse than being fine, better than being hurt.
const SEVERITY: Readonly<Record<HealthStatus, number>> = { healthy: 0, unknown: 1, degraded: 2, unhealthy: 3 }

export function isHealthStatus (value: unknown): value is HealthStatus {
  return typeof value === 'string' && Object.hasOwn(SEVERITY, value)
}

/** The worse of two statuses. */
export function worse (a: HealthStatus, b: HealthStatus): HealthStatus {
  return SEVERITY[b] > SEVERITY[a] ? b : a
}

/** The worst of `statuses`; `healthy` when there are none. */
export function worstOf (statuses: Iterable<HealthStatus>): HealthStatus {
  let worst: HealthStatus = 'healthy'
  for (const status of statuses) worst = worse(worst, status)
  return worst
}
