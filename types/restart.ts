// Restart policies: what a service's `restart` option says, and what its supervisor decides.

/**
 * Supervision of one service. A restart runs the same phases as the first start (shutting-down,
 * stopped, initiating, ...), each bounded by its timeout; it does not restart the service's dependents.
 */
export interface RestartOptions {
  /**
   * `never`; `on-failure`: when `run` rejects or the service goes `failed` after it started;
   * `always`: also when `run` resolves. Default: `'never'`.
   */
  readonly policy?: 'never' | 'on-failure' | 'always'
  /** Delay of the n-th restart in a row, ms: `min(max, initial * factor^n) * (1 ± jitter)`. */
  readonly backoff?: {
    /** Default: 100. */
    readonly initial?: number
    /** Default: 30 000. */
    readonly max?: number
    /** Default: 2. */
    readonly factor?: number
    /** From 0 to 1. Default: 0.2. */
    readonly jitter?: number
  }
  /** More than `maxRestarts` restarts within `within` ms means giving up. Default: 5 within 60 000. */
  readonly intensity?: {
    /** Default: 5. */
    readonly maxRestarts?: number
    /** Default: 60 000. */
    readonly within?: number
  }
  /**
   * On giving up: `fail` leaves the service `failed`; `degrade` marks the process degraded;
   * `exit` shuts the program down gracefully with exit code 4. Default: `'fail'`.
   */
  readonly escalate?: 'fail' | 'degrade' | 'exit'
  /** Restart a service that has been `unhealthy` this long, ms. Default: none. */
  readonly whenUnhealthyFor?: number
  /** A life that ran this long resets the backoff to `initial`, ms. Default: 60 000. */
  readonly resetAfter?: number
}

/** What a service's supervisor has decided so far. */
export interface RestartStatus {
  /** Restarts decided (scheduled) so far. */
  readonly scheduled: number
  /** How the life that led to the latest decision ended. */
  readonly lastReason: RestartEvent['reason'] | undefined
  /** Epoch ms the restart waiting out its backoff begins; undefined when none waits. */
  readonly nextAttemptAt: number | undefined
  /** True once the policy gave up on the service. */
  readonly isGivenUp: boolean
}

/**
 * A decision of a restart policy: told to `onRestart` hooks and published on the lifecycle
 * diagnostics channel (tell it from a transition by its `decision` field).
 */
export interface RestartEvent {
  readonly service: string
  readonly decision: 'restart' | 'give-up'
  /** How the life ended: `run` rejected, the service went `failed`, `run` resolved, or it stayed `unhealthy` for `whenUnhealthyFor`. */
  readonly reason: 'run-failed' | 'failed' | 'run-ended' | 'unhealthy'
  /** The restart's number in the current run of restarts (1 first); for a give-up, how many there were. */
  readonly attempt: number
  /** Ms until the restart begins; undefined for a give-up. */
  readonly delay: number | undefined
  /** Epoch ms of the decision. */
  readonly at: number
}
