// Reads what a service reports about its health (`report(status, detail)` or what `check()`
// returned) into one shape; anything else throws FSR_ERR_INVALID_HEALTH saying what is accepted.
// Reasons are shown on the open admin endpoints: credentials in URLs are redacted from them here.
import type { HealthDetail, HealthStatus } from '../types/index.ts'
import { FSR_ERR_INVALID_HEALTH, messageOf } from './errors.ts'
import { HEALTH_STATUSES, isHealthStatus } from './health-status.ts'
import { describe } from './options.ts'
import { redactUrlCredentials } from './redact-url-credentials.ts'

/** One report: the detail's `reason` is kept apart from its other fields. */
export interface HealthReport {
  readonly status: HealthStatus
  readonly reason?: string
  readonly detail?: Readonly<Record<string, unknown>>
}

const STATUSES = HEALTH_STATUSES.join(', ')

export function readHealthReport (where: string, status: unknown, detail: unknown): HealthReport {
  if (!isHealthStatus(status)) throw new FSR_ERR_INVALID_HEALTH(where, describe(status), `a status: one of ${STATUSES}`)
  if (detail === undefined) return { status }
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
    throw new FSR_ERR_INVALID_HEALTH(where, describe(detail), 'a detail object (with an optional reason string)')
  }
  const { reason, ...rest } = detail as HealthDetail
  if (reason !== undefined && typeof reason !== 'string') throw new FSR_ERR_INVALID_HEALTH(`${where} reason`, describe(reason), 'a string')
  return {
    status,
    ...(reason === undefined ? {} : { reason: redactUrlCredentials(reason) }),
    ...(Object.keys(rest).length === 0 ? {} : { detail: Object.freeze(rest) }),
  }
}

/** What `check()` may return: a status, or `{ status, detail }`. */
export function readCheckResult (where: string, result: unknown): HealthReport {
  if (result !== null && typeof result === 'object' && !Array.isArray(result)) {
    const { status, detail } = result as { status?: unknown, detail?: unknown }
    return readHealthReport(where, status, detail)
  }
  return readHealthReport(where, result, undefined)
}

/** A failed check (a throw or a timeout): `unhealthy` with the error as reason. */
export function failedCheck (err: unknown): HealthReport {
  const code = (err as { code?: unknown } | null)?.code
  return { status: 'unhealthy', reason: redactUrlCredentials(messageOf(err)), ...(typeof code === 'string' ? { detail: { code } } : {}) }
}
