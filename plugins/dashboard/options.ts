// Resolves the runner's `dashboard` option; every problem is reported with the other options'.
import type { DashboardOptions } from '../../types/index.ts'
import { BUILTIN_OPTION, Problems, readInteger, readObject, refuseUnknownKeys } from '../../lib/options.ts'

type Env = Readonly<Record<string, string | undefined>>

const DASHBOARD_KEYS = ['history'] as const
export const DEFAULT_HISTORY = 1_000

export type ResolvedDashboardOptions = Readonly<Required<DashboardOptions>> | false

export function resolveDashboardOptions (input: DashboardOptions | false | undefined, env: Env = process.env): ResolvedDashboardOptions {
  if (input === false) return false
  const problems = new Problems()
  const given = readObject(problems, 'dashboard', input, BUILTIN_OPTION)
  refuseUnknownKeys(problems, 'dashboard', given, DASHBOARD_KEYS)
  let history = readInteger(problems, 'dashboard.history', given.history, undefined, env, DEFAULT_HISTORY, 100_000)
  if (history < 10) {
    problems.add('dashboard.history', history, 'an integer from 10 to 100000')
    history = DEFAULT_HISTORY
  }
  problems.throwIfAny()
  return Object.freeze({ history })
}
