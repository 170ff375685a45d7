// A service's workers log at its level when that level changes (`PUT /log-level/:service`, or
// `ctx.log.level = ...`), not only at the level it had when each worker was made. pino tells a
// change through a `level-change` event whose listeners every logger of one tree shares, so the
// runner listens once, from its start to the end of its stop, and finds whose logger changed.
import type { Logger } from 'pino'

/** Told each new level of the logger it follows. */
export interface LevelFollower {
  followLevel (level: string): void
}

export class LevelFollow {
  readonly #log: Logger
  readonly #followers = new WeakMap<Logger, LevelFollower>()
  #isListening = false
  // Called for every logger of the tree (request loggers with a level of their own too): one lookup each.
  readonly #onChange = (level: string, _value: number, _previous: string, _previousValue: number, logger: Logger): void => {
    this.#followers.get(logger)?.followLevel(level)
  }

  /** `log`: the runner's logger; the loggers followed are its children. */
  constructor (log: Logger) {
    this.#log = log
  }

  /** `follower` hears each level `logger` is set to while the runner listens. */
  add (logger: Logger, follower: LevelFollower): void {
    this.#followers.set(logger, follower)
  }

  listen (): void {
    if (this.#isListening) return
    this.#isListening = true
    this.#log.on('level-change', this.#onChange)
  }

  /** The runner has stopped: nothing of it stays on the logger, which may be the user's. */
  end (): void {
    if (!this.#isListening) return
    this.#isListening = false
    this.#log.off('level-change', this.#onChange)
  }
}
