// Health that follows other services: the status a follower derives from the ones it follows,
// and how that combines with the follower's own status.
import type { HealthStatus, ServiceHealthOptions } from '../types/index.ts'
import { isHealthStatus, worse } from './health-status.ts'

export type DeriveRule = Pick<ServiceHealthOptions, 'unhealthyWhen' | 'derive'>

/**
 * The default rule: `healthy` while every followed service is healthy; `degraded` as soon as one is
 * degraded or unhealthy; `unhealthy` only when `unhealthyWhen` says so (`any`: one followed service
 * is unhealthy; `all`: every one is). Followed services still `unknown` are left out; when all are,
 * the result is `unknown`. A `derive` function replaces the rule; if it throws or returns something
 * that is not a status, the result is `unknown` (a broken rule tells nothing) and `error` says why.
 */
export function deriveStatus (statuses: Readonly<Record<string, HealthStatus>>, rule: DeriveRule): { status: HealthStatus, error?: unknown } {
  if (rule.derive !== undefined) {
    try {
      const status = rule.derive(statuses)
      if (isHealthStatus(status)) return { status }
      return { status: 'unknown', error: new TypeError(`derive returned ${JSON.stringify(status) ?? String(status)}, not a health status`) }
    } catch (error) {
      return { status: 'unknown', error }
    }
  }
  const all = Object.values(statuses)
  const known = all.filter((status) => status !== 'unknown')
  if (known.length === 0) return { status: 'unknown' }
  const unhealthy = known.filter((status) => status === 'unhealthy').length
  const when = rule.unhealthyWhen ?? 'never'
  if ((when === 'any' && unhealthy > 0) || (when === 'all' && unhealthy === all.length)) return { status: 'unhealthy' }
  return { status: known.every((status) => status === 'healthy') ? 'healthy' : 'degraded' }
}

/** A follower's status: the worse of its own and the derived one; an `unknown` side yields to the other. */
export function combineStatus (own: HealthStatus, derived: HealthStatus): HealthStatus {
  if (own === 'unknown') return derived
  if (derived === 'unknown') return own
  return worse(own, derived)
}
