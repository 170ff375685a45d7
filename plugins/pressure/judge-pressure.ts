// Turns one sample of the process's measures into the health of the built-in `process` entry and
// the main server's decision to shed load: over a threshold is unhealthy (503), within 10 % of one
// degraded.
import type { HealthDetail, HealthStatus, PressureOptions } from '../../types/index.ts'

/** What the sampler (or an app's own under-pressure) measured in its last sample (all 0 before the first). */
export interface PressureSample {
  readonly eventLoopDelay: number
  readonly heapUsed: number
  readonly rssBytes: number
  readonly eventLoopUtilized: number
}

/** From this share of a threshold on, the process is `degraded`: a warning before load is shed. */
export const NEAR_THRESHOLD = 0.9

// The thresholds in under-pressure's order of checking, with the measure each one bounds.
const LIMITS: ReadonlyArray<readonly [keyof PressureOptions, keyof PressureSample]> = [
  ['maxEventLoopDelay', 'eventLoopDelay'],
  ['maxHeapUsedBytes', 'heapUsed'],
  ['maxRssBytes', 'rssBytes'],
  ['maxEventLoopUtilization', 'eventLoopUtilized'],
]
const EVENT_LOOP_MEASURES: ReadonlySet<keyof PressureSample> = new Set(['eventLoopDelay', 'eventLoopUtilized'])

/**
 * While `isWarmingUp`, the event-loop measures are left out: the sample they come from may span the
 * boot, when the loop was busy loading services and no request was waiting.
 */
export function judgePressure (sample: PressureSample, thresholds: Readonly<Required<PressureOptions>>, isWarmingUp = false): { status: HealthStatus, detail: HealthDetail } {
  const over: string[] = []
  const near: string[] = []
  for (const [limit, measure] of LIMITS) {
    const max = thresholds[limit]
    // 0 turns a threshold off, as in under-pressure; `>` is its comparison too.
    if (max === 0 || (isWarmingUp && EVENT_LOOP_MEASURES.has(measure))) continue
    if (sample[measure] > max) over.push(limit)
    else if (sample[measure] > max * NEAR_THRESHOLD) near.push(limit)
  }
  const status: HealthStatus = over.length > 0 ? 'unhealthy' : near.length > 0 ? 'degraded' : 'healthy'
  const reason = over.length > 0 ? `over ${over.join(', ')}` : near.length > 0 ? `near ${near.join(', ')}` : undefined
  return {
    status,
    detail: {
      ...(reason === undefined ? {} : { reason }),
      eventLoopDelay: Math.round(sample.eventLoopDelay * 1000) / 1000,
      heapUsedBytes: sample.heapUsed,
      rssBytes: sample.rssBytes,
      eventLoopUtilization: Math.round(sample.eventLoopUtilized * 1000) / 1000,
      ...(isWarmingUp ? { isWarmingUp } : {}),
    },
  }
}
