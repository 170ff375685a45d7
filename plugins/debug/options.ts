// Resolves the runner's `debug` option (the profiling endpoints); every problem is reported together.
import type { DebugOptions } from '../../types/index.ts'
import { BUILTIN_OPTION, Problems, readInteger, readObject, refuseUnknownKeys } from '../../lib/options.ts'

type Env = Readonly<Record<string, string | undefined>>

const DEBUG_KEYS = ['maxProfileSeconds', 'heapSinceStart', 'heapSamplingInterval'] as const
export const DEFAULT_MAX_PROFILE_SECONDS = 60
/** V8's default and Go's MemProfileRate: a sample every 512 KiB allocated on average, cheap enough to leave on. */
export const DEFAULT_HEAP_SAMPLING_INTERVAL = 512 * 1024
const MAX_HEAP_SAMPLING_INTERVAL = 2 ** 31 - 1

export type ResolvedDebugOptions = Readonly<Required<DebugOptions>> | false

/** An integer from 1 to `max` (readInteger accepts 0). */
function readPositiveInteger (problems: Problems, where: string, value: unknown, env: Env, fallback: number, max: number): number {
  const read = readInteger(problems, where, value, undefined, env, fallback, max)
  if (read !== 0) return read
  problems.add(where, 0, `an integer from 1 to ${max}`)
  return fallback
}

export function resolveDebugOptions (input: DebugOptions | false | undefined, env: Env = process.env): ResolvedDebugOptions {
  if (input === false) return false
  const problems = new Problems()
  const given = readObject(problems, 'debug', input, BUILTIN_OPTION)
  refuseUnknownKeys(problems, 'debug', given, DEBUG_KEYS)
  const maxProfileSeconds = readPositiveInteger(problems, 'debug.maxProfileSeconds', given.maxProfileSeconds, env, DEFAULT_MAX_PROFILE_SECONDS, 3600)
  const heapSinceStart = given.heapSinceStart ?? true
  if (typeof heapSinceStart !== 'boolean') problems.add('debug.heapSinceStart', heapSinceStart, 'true or false')
  const heapSamplingInterval = readPositiveInteger(problems, 'debug.heapSamplingInterval', given.heapSamplingInterval, env, DEFAULT_HEAP_SAMPLING_INTERVAL, MAX_HEAP_SAMPLING_INTERVAL)
  problems.throwIfAny()
  return Object.freeze({ maxProfileSeconds, heapSinceStart: heapSinceStart === true, heapSamplingInterval })
}
