// Resolves the runner's `metrics` option; every problem is reported together.
import type { MetricsOptions } from '../../types/index.ts'
import { BUILTIN_OPTION, Problems, readObject } from '../../lib/options.ts'

type Env = Readonly<Record<string, string | undefined>>

const METRICS_KEYS = ['requests', 'process'] as const

export type ResolvedMetricsOptions = Readonly<Required<MetricsOptions>> | false

export function resolveMetricsOptions (input: MetricsOptions | false | undefined, env: Env = process.env): ResolvedMetricsOptions {
  void env // no FSR_* variable of its own yet; the parameter keeps every resolver's signature alike
  if (input === false) return false
  const problems = new Problems()
  const given = readObject(problems, 'metrics', input, BUILTIN_OPTION)
  const resolved: Record<string, boolean> = {}
  for (const key of Object.keys(given)) {
    if (!(METRICS_KEYS as readonly string[]).includes(key)) problems.add(`metrics.${key}`, given[key], `no such key (accepted: ${METRICS_KEYS.join(', ')})`)
  }
  for (const key of METRICS_KEYS) {
    const value = given[key] ?? true
    if (typeof value !== 'boolean') problems.add(`metrics.${key}`, value, 'true or false')
    resolved[key] = value === true
  }
  problems.throwIfAny()
  return Object.freeze(resolved as Required<MetricsOptions>)
}
