// Resolves the runner's `debug` option (the profiling endpoints); every problem is reported together.
import type { DebugOptions } from '../../types/index.ts'
import { Problems, readInteger, readObject, refuseUnknownKeys } from '../../lib/options.ts'

type Env = Readonly<Record<string, string | undefined>>

const DEBUG_KEYS = ['maxProfileSeconds'] as const
export const DEFAULT_MAX_PROFILE_SECONDS = 60

export type ResolvedDebugOptions = Readonly<Required<DebugOptions>> | false

export function resolveDebugOptions (input: DebugOptions | false | undefined, env: Env = process.env): ResolvedDebugOptions {
  if (input === false) return false
  const problems = new Problems()
  const given = readObject(problems, 'debug', input)
  refuseUnknownKeys(problems, 'debug', given, DEBUG_KEYS)
  let maxProfileSeconds = readInteger(problems, 'debug.maxProfileSeconds', given.maxProfileSeconds, undefined, env, DEFAULT_MAX_PROFILE_SECONDS, 3600)
  if (maxProfileSeconds === 0) {
    problems.add('debug.maxProfileSeconds', 0, 'an integer from 1 to 3600')
    maxProfileSeconds = DEFAULT_MAX_PROFILE_SECONDS
  }
  problems.throwIfAny()
  return Object.freeze({ maxProfileSeconds })
}
