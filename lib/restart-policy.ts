// Restart policies (supervision): reading a service's `restart` option, and the pure decision of
// what to do when it ends: restart after a delay (exponential backoff with jitter), or give up
// when more restarts than `intensity.maxRestarts` fell within `intensity.within` (as OTP does).
import type { RestartEvent } from '../types/index.ts'
import { type Problems, readInteger, readObject, refuseUnknownKeys } from './options.ts'

const MAX_MS = 2 ** 31 - 1
const POLICIES = ['never', 'on-failure', 'always'] as const
const ESCALATIONS = ['fail', 'degrade', 'exit'] as const
const KEYS = ['policy', 'backoff', 'intensity', 'escalate', 'whenUnhealthyFor', 'resetAfter']
const BACKOFF_KEYS = ['initial', 'max', 'factor', 'jitter']
const INTENSITY_KEYS = ['maxRestarts', 'within']

export type RestartPolicy = (typeof POLICIES)[number]
export type RestartEscalation = (typeof ESCALATIONS)[number]

export interface ResolvedRestartOptions {
  readonly policy: RestartPolicy
  readonly backoff: { readonly initial: number, readonly max: number, readonly factor: number, readonly jitter: number }
  readonly intensity: { readonly maxRestarts: number, readonly within: number }
  readonly escalate: RestartEscalation
  /** Undefined: the service's health never restarts it. */
  readonly whenUnhealthyFor: number | undefined
  readonly resetAfter: number
}

export const NO_RESTART: ResolvedRestartOptions = Object.freeze({
  policy: 'never',
  backoff: Object.freeze({ initial: 100, max: 30_000, factor: 2, jitter: 0.2 }),
  intensity: Object.freeze({ maxRestarts: 5, within: 60_000 }),
  escalate: 'fail',
  whenUnhealthyFor: undefined,
  resetAfter: 60_000,
})

function readNumber (problems: Problems, where: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max) return value
  problems.add(where, value, `a number from ${min} to ${max}`)
  return fallback
}

function readEnum<T extends string> (problems: Problems, where: string, value: unknown, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback
  if ((choices as readonly unknown[]).includes(value)) return value as T
  problems.add(where, value, `one of ${choices.join(', ')}`)
  return fallback
}

/** Reads a service's `restart` option at `where`; every problem goes to `problems`. */
export function readRestartOptions (problems: Problems, where: string, value: unknown): ResolvedRestartOptions {
  if (value === undefined) return NO_RESTART
  const input = readObject(problems, where, value)
  refuseUnknownKeys(problems, where, input, KEYS)
  const defaults = NO_RESTART
  const backoffInput = readObject(problems, `${where}.backoff`, input.backoff)
  refuseUnknownKeys(problems, `${where}.backoff`, backoffInput, BACKOFF_KEYS)
  const before = problems.list.length
  const initial = readInteger(problems, `${where}.backoff.initial`, backoffInput.initial, undefined, {}, defaults.backoff.initial, MAX_MS)
  const isInitialValid = problems.list.length === before
  const max = readInteger(problems, `${where}.backoff.max`, backoffInput.max, undefined, {}, Math.max(initial, defaults.backoff.max), MAX_MS)
  if (isInitialValid && max < initial) problems.add(`${where}.backoff.max`, max, `an integer no less than backoff.initial (${initial})`)
  const backoff = Object.freeze({
    initial,
    max,
    factor: readNumber(problems, `${where}.backoff.factor`, backoffInput.factor, 1, 1000, defaults.backoff.factor),
    jitter: readNumber(problems, `${where}.backoff.jitter`, backoffInput.jitter, 0, 1, defaults.backoff.jitter),
  })
  const intensityInput = readObject(problems, `${where}.intensity`, input.intensity)
  refuseUnknownKeys(problems, `${where}.intensity`, intensityInput, INTENSITY_KEYS)
  const intensity = Object.freeze({
    maxRestarts: readInteger(problems, `${where}.intensity.maxRestarts`, intensityInput.maxRestarts, undefined, {}, defaults.intensity.maxRestarts, 1_000_000),
    within: readInteger(problems, `${where}.intensity.within`, intensityInput.within, undefined, {}, defaults.intensity.within, MAX_MS),
  })
  return Object.freeze({
    policy: readEnum(problems, `${where}.policy`, input.policy, POLICIES, defaults.policy),
    backoff,
    intensity,
    escalate: readEnum(problems, `${where}.escalate`, input.escalate, ESCALATIONS, defaults.escalate),
    whenUnhealthyFor: input.whenUnhealthyFor === undefined ? undefined : readInteger(problems, `${where}.whenUnhealthyFor`, input.whenUnhealthyFor, undefined, {}, 0, MAX_MS),
    resetAfter: readInteger(problems, `${where}.resetAfter`, input.resetAfter, undefined, {}, defaults.resetAfter, MAX_MS),
  })
}

/** Delay of the `attempt`th restart in a row (0 first): min(max, initial * factor^attempt), spread by ± jitter. */
export function restartDelay (backoff: ResolvedRestartOptions['backoff'], attempt: number, random: () => number): number {
  const base = Math.min(backoff.max, backoff.initial * backoff.factor ** attempt)
  // random() in [0, 1) maps to a factor in [1 - jitter, 1 + jitter).
  return Math.round(base * (1 + backoff.jitter * (2 * random() - 1)))
}

export type RestartDecision =
  | { readonly action: 'restart', readonly attempt: number, readonly delay: number }
  | { readonly action: 'give-up', readonly attempt: number, readonly restarts: number }

/** Why a service ended, as the policies read it. */
export type EndReason = RestartEvent['reason']

/** Whether `policy` restarts a service that ended for `reason`. */
export function isRestartable (policy: RestartPolicy, reason: EndReason): boolean {
  // `whenUnhealthyFor` is a policy of its own: it restarts whatever `policy` says.
  if (reason === 'unhealthy') return true
  if (policy === 'never') return false
  return policy === 'always' || reason !== 'run-ended'
}

/**
 * The restarts of one service: when each was decided, and the backoff attempt it has reached.
 * `decide` is pure in the clock: `now` is given, and so is the time the current life began running.
 */
export class RestartHistory {
  readonly #options: ResolvedRestartOptions
  #times: number[] = []
  #attempt = 0

  constructor (options: ResolvedRestartOptions) {
    this.#options = options
  }

  /** How many restarts were decided in all. */
  total = 0

  /**
   * Restart (with the delay of the next attempt) or give up. `runningSince` is when the life that
   * ended began running (undefined if it never ran): one that ran `resetAfter` resets the backoff.
   */
  decide (now: number, runningSince: number | undefined, random: () => number): RestartDecision {
    const { backoff, intensity, resetAfter } = this.#options
    if (runningSince !== undefined && now - runningSince >= resetAfter) this.#attempt = 0
    this.#times = this.#times.filter((at) => now - at < intensity.within)
    if (this.#times.length + 1 > intensity.maxRestarts) {
      return Object.freeze({ action: 'give-up', attempt: this.#attempt, restarts: this.#times.length })
    }
    this.#times.push(now)
    this.total++
    const attempt = this.#attempt++
    return Object.freeze({ action: 'restart', attempt: attempt + 1, delay: restartDelay(backoff, attempt, random) })
  }
}
