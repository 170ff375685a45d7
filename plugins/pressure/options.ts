// Resolves the runner's `pressure` option: explicit option, then FSR_PRESSURE_* env, then default.
// Every problem is reported together (with the core's, when composed by the package's createRunner).
import type { PressureOptions } from '../../types/index.ts'
import { BUILTIN_OPTION, Problems, readInteger, readObject } from '../../lib/options.ts'

type Env = Readonly<Record<string, string | undefined>>

export type ResolvedPressureOptions = Readonly<Required<PressureOptions>> | false

export const DEFAULT_PRESSURE: Readonly<Required<PressureOptions>> = Object.freeze({
  maxEventLoopDelay: 1_000,
  maxHeapUsedBytes: 0,
  maxRssBytes: 0,
  maxEventLoopUtilization: 0,
  retryAfter: 10,
  sampleInterval: 1_000,
})

const PRESSURE_KEYS = Object.keys(DEFAULT_PRESSURE) as Array<keyof PressureOptions>
// The sampler reads the event loop every 10 ms and takes the mean per sample; a sample with no
// reading counts as an endless delay, so each one must span several readings.
const MIN_SAMPLE_INTERVAL = 100
const MAX_MS = 2 ** 31 - 1
const MAX_RETRY_AFTER = 86_400

/** `maxEventLoopDelay` → `FSR_PRESSURE_MAX_EVENT_LOOP_DELAY`. */
function envNameOf (key: string): string {
  return `FSR_PRESSURE_${key.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`
}

/** A number from 0 to 1 (option, or env as a decimal string). */
function readFraction (problems: Problems, where: string, value: unknown, envName: string, env: Env, fallback: number): number {
  const fromEnv = env[envName]
  const [source, raw] = value !== undefined ? [where, value] : fromEnv !== undefined ? [envName, fromEnv] : [where, fallback]
  const number = typeof raw === 'string' && /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : raw
  if (typeof number === 'number' && number >= 0 && number <= 1) return number
  problems.add(source, raw, 'a number from 0 to 1 (0 turns the threshold off)')
  return fallback
}

export function resolvePressureOptions (input: PressureOptions | false | undefined, env: Env = process.env): ResolvedPressureOptions {
  if (input === false) return false
  const problems = new Problems()
  const given = readObject(problems, 'pressure', input, BUILTIN_OPTION)
  for (const key of Object.keys(given)) {
    if (!(PRESSURE_KEYS as string[]).includes(key)) problems.add(`pressure.${key}`, given[key], `no such key (accepted: ${PRESSURE_KEYS.join(', ')})`)
  }
  const integer = (key: keyof PressureOptions, max: number, min = 0): number => {
    const envName = envNameOf(key)
    const value = readInteger(problems, `pressure.${key}`, given[key], envName, env, DEFAULT_PRESSURE[key], max)
    if (value >= min) return value
    problems.add(given[key] !== undefined ? `pressure.${key}` : envName, value, `an integer from ${min} to ${max}`)
    return DEFAULT_PRESSURE[key]
  }
  const resolved = {
    maxEventLoopDelay: integer('maxEventLoopDelay', MAX_MS),
    maxHeapUsedBytes: integer('maxHeapUsedBytes', Number.MAX_SAFE_INTEGER),
    maxRssBytes: integer('maxRssBytes', Number.MAX_SAFE_INTEGER),
    maxEventLoopUtilization: readFraction(problems, 'pressure.maxEventLoopUtilization', given.maxEventLoopUtilization, envNameOf('maxEventLoopUtilization'), env, DEFAULT_PRESSURE.maxEventLoopUtilization),
    retryAfter: integer('retryAfter', MAX_RETRY_AFTER, 1),
    sampleInterval: integer('sampleInterval', MAX_MS, MIN_SAMPLE_INTERVAL),
  }
  problems.throwIfAny()
  return Object.freeze(resolved)
}
